import type { JsonWebKey } from 'node:crypto';
import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { Auth, SwitchboardConfig } from './schema-types.js';

/** gateway.heap_growth_percent when the config does not set it. */
export const DEFAULT_HEAP_GROWTH_PERCENT = 50;

/** The three upstream transport kinds. */
export type BackendKind = 'stdio' | 'http' | 'sse';

/** How a backend's upstream sessions map to downstream sessions. */
export type SessionMode = 'shared' | 'per_client';

/** Restart/reconnect policy with exponential backoff. */
export interface RestartPolicy {
  /** Consecutive failures before giving up; 0 = never give up. */
  maxAttempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

/** What every backend kind has in common, after defaults are applied. */
export interface BackendSpecBase {
  name: string;
  kind: BackendKind;
  description?: string;
  /** Namespace for exposed names; null = unprefixed. */
  prefix: string | null;
  requestTimeoutMs: number;
  singleSession: boolean;
  maxQueueSize?: number;
  queueTimeoutMs?: number;
  retryOnFailover: boolean;
  tools: { include: string[]; exclude: string[] };
  restart: RestartPolicy;
  /** shared: one upstream session for every client; per_client: one per downstream session. */
  sessionMode: SessionMode;
  /** per_client: close an upstream session unused this long; 0 = only when its downstream session ends. */
  idleTimeoutMs: number;
  /** per_client: most upstream sessions open at once; undefined = no cap. */
  maxSessions?: number;
  /** per_client (HTTP and SSE): downstream header names, lower case, passed to the client's upstream session. */
  forwardHeaders: string[];
  /** Whether smart discovery indexes this backend's tools. */
  discovery: boolean;
  /** Whether the audit trail records this backend's arguments and results (redacted, size-capped). */
  auditPayloads: boolean;
  /** The protocol era spoken upstream: pinned, or `auto` (probe once, then reuse the answer). */
  protocol: UpstreamProtocol;
}

/** The protocol era setting of a backend. */
export type UpstreamProtocol = 'auto' | '2025-11-25' | '2026-07-28';

/** A stdio child-process backend. */
export interface StdioSpec extends BackendSpecBase {
  kind: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  inheritEnv: boolean;
}

/** A Streamable HTTP backend. */
export interface HttpSpec extends BackendSpecBase {
  kind: 'http';
  url: string;
  headers: Record<string, string>;
  auth?: Auth;
  connectTimeoutMs: number;
  /** The client transport: switchboard's pooled one (default) or the SDK's fetch-based one. */
  httpClient: 'pool' | 'sdk';
}

/** A legacy HTTP+SSE backend. */
export interface SseSpec extends BackendSpecBase {
  kind: 'sse';
  url: string;
  headers: Record<string, string>;
  auth?: Auth;
  heartbeatMs: number;
  reconnect: boolean;
  connectTimeoutMs: number;
  /** The client transport: switchboard's pooled one (default) or the SDK's fetch and EventSource one. */
  httpClient: 'pool' | 'sdk';
}

/** One backend, normalised: the unit that hot reload compares. */
export type BackendSpec = StdioSpec | HttpSpec | SseSpec;

/** Smart discovery settings (gateway.discovery), normalised. */
export interface DiscoverySettings {
  expose: 'all' | 'discovery_only' | 'none';
  rerank: 'off' | 'sampling';
  /** Top score over runner-up needed to execute without asking; undefined = the library default. */
  minConfidence?: number;
  embeddings?: { url: string; model: string; apiKey?: string };
}

/** One client API key (gateway.auth.api_keys), normalised. */
export interface ApiKeySettings {
  /** The principal it authenticates. */
  name: string;
  /** Hex SHA-256 of the key: keys are compared by digest, in constant time. */
  sha256: string;
  scopes: string[];
  operator: boolean;
}

/** JWT bearer tokens (gateway.auth.jwt), normalised. */
export interface JwtSettings {
  issuer: string;
  audience: string[];
  jwksUrl?: string;
  /** Absolute path. */
  jwksFile?: string;
  /** Least time between two fetches of jwksUrl caused by an unknown kid. */
  jwksCooldownMs: number;
  algorithms: string[];
  clockToleranceMs: number;
  requiredScopes: string[];
  authorizationServers: string[];
  /** Claim holding the token's groups. */
  groupsClaim: string;
}

/** A token bucket: `burst` requests at once, refilled at `rate` per `perMs`. */
export interface RateLimitSettings {
  rate: number;
  perMs: number;
  burst: number;
}

/** Globs over exposed tool names and backend names, as a policy rule lists them. */
export interface PolicyTargetSettings {
  tools: string[];
  backends: string[];
}

/** One rule of gateway.auth.policies, normalised (every glob field a list). */
export interface PolicyRuleSettings {
  name: string;
  match: {
    principal?: string[];
    key?: string[];
    sub?: string[];
    issuer?: string[];
    group?: string[];
    scope?: string[];
  };
  /** Undefined: the rule permits everything. */
  allow?: PolicyTargetSettings;
  deny: PolicyTargetSettings;
  rateLimit?: RateLimitSettings;
  maxSessions?: number;
}

/** Client authentication (gateway.auth), normalised. */
export interface AuthSettings {
  apiKeys: ApiKeySettings[];
  jwt?: JwtSettings;
  operatorScope: string;
  allowUnauthenticated: boolean;
  /** The public /mcp URL; undefined = derived from each request. */
  resource?: string;
  /** Empty: every principal may use everything. */
  policies: PolicyRuleSettings[];
  rateLimit?: RateLimitSettings;
  /** A principal's session cap; with authentication on, a tenth of max_sessions unless configured. */
  maxSessionsPerPrincipal?: number;
  /** What the rate limiter does while its Redis is unreachable: serve unlimited, or refuse with 503. */
  rateLimitFailMode: 'open' | 'closed';
  /** Sign-in (gateway.auth.sign_in): the gateway's own authorization server; undefined = off. */
  signIn?: SignInSettings;
}

/** The algorithms sign-in signs tokens with, by key type. */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'ES384' | 'EdDSA';

/** One token-signing key of sign-in, parsed (kid and alg set on both JWKs). */
export interface SigningKeySettings {
  kid: string;
  alg: SigningAlgorithm;
  privateJwk: JsonWebKey;
  publicJwk: JsonWebKey;
}

/** The identity provider users log in at (gateway.auth.sign_in.idp), normalised. */
export interface IdpSettings {
  /** OpenID Connect: discovered from here. */
  issuer?: string;
  /** Plain OAuth 2 (or overrides of discovery). */
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  userinfoEndpoint?: string;
  clientId: string;
  clientSecret?: string;
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  scopes: string[];
  /** Claim names read for the principal, email, groups and display name. */
  claims: { subject: string; email: string; groups: string; name: string };
  extraParams: Record<string, string>;
  timeoutMs: number;
}

/** Sign-in (gateway.auth.sign_in), normalised. */
export interface SignInSettings {
  /** The authorization server's issuer: an origin without a trailing slash ('' when it could not be derived). */
  issuer: string;
  /** The public /mcp URL: the audience of every access token. */
  resource: string;
  /** The first signs; all are published. Empty: a key generated at start. */
  keys: SigningKeySettings[];
  idp: IdpSettings;
  /** Who may sign in; both empty = everyone the identity provider authenticates. */
  allow: { emailDomains: string[]; groups: string[] };
  /** Scopes offered on the resource. */
  scopes: string[];
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  consentTtlMs: number;
  sessionTtlMs: number;
  dynamicRegistration: boolean;
  /** Client ID Metadata Documents: fetch limits and where from. */
  metadataDocuments: {
    enabled: boolean;
    maxBytes: number;
    timeoutMs: number;
    allowHosts: string[];
    allowPrivateAddresses: boolean;
    /** Extra trusted CA certificates (PEM text). */
    ca?: string;
  };
}

/** Gateway-wide settings, normalised. */
export interface GatewaySettings {
  host: string;
  port: number;
  separator: string;
  requestTimeoutMs: number;
  /** Host header names accepted; undefined = no Host check (non-loopback bind without a list). */
  allowedHosts?: string[];
  allowedOrigins: string[];
  maxSessions: number;
  sessionIdleTimeoutMs: number;
  /** At a session cap, only sessions idle at least this long may be evicted to make room. */
  sessionEvictionMinIdleMs: number;
  maxBodyBytes: number;
  /** Deepest JSON nesting accepted in a POST /mcp body. */
  maxJsonDepth: number;
  /** gateway.relay_path: plain tools/call, resources/read, prompts/get and completion/complete skip the SDK server's decoding. */
  relayPath: boolean;
  /** How long a client may take to send request headers. */
  headerTimeoutMs: number;
  /** How long a client may take to send a whole request (headers and body); 0 = unbounded. */
  bodyTimeoutMs: number;
  logLevel?: string;
  /** On reload, how long calls in flight on a removed or replaced backend may take before they are cancelled. */
  reloadGracePeriodMs: number;
  /** On SIGTERM/SIGINT, how long calls in flight may take to finish before they are answered with an error. */
  shutdownGraceMs: number;
  /** At start, how long /readyz waits at most for every backend's first connection attempt. */
  startupTimeoutMs: number;
  /** V8's heap growing percent to apply (0 = V8's own heuristic). */
  heapGrowthPercent: number;
  redis?: { url: string; prefix: string; leaseMs: number };
  /** Keys of the per-user grant store (gateway.credentials), the sealing one first; undefined = not configured. */
  credentialKeys?: string[];
  /** The gateway's external base URL for connect pages (gateway.credentials.public_url); undefined = where it listens. */
  publicUrl?: string;
  discovery: DiscoverySettings;
  /** Signs 2026-07-28 requestState; undefined = a random key per process. */
  requestStateSecret?: string;
  auth: AuthSettings;
  /** OpenTelemetry export (OTLP traces and metrics); /metrics is served regardless. */
  telemetry: TelemetrySettings;
  /** The web console: whether it is served, and where (a path ending without a slash, or "/"). */
  console: { enabled: boolean; path: string };
  /** The audit trail (gateway.audit). */
  audit: AuditSettings;
}

/** One place audit events are written to besides the local ring. */
export type AuditSinkSettings =
  | { type: 'file'; path: string }
  | { type: 'stdout' }
  | { type: 'redis'; url?: string; stream?: string; maxLen: number }
  | { type: 'otel'; endpoint?: string };

/** `gateway.audit`, normalised. */
export interface AuditSettings {
  enabled: boolean;
  ringSize: number;
  payloadMaxBytes: number;
  sinks: AuditSinkSettings[];
}

/** `gateway.telemetry` with the OTEL_* environment applied. */
export interface TelemetrySettings {
  serviceName: string;
  /** OTLP trace export; when off the tracing SDK is never loaded. */
  traces: { enabled: boolean; endpoint?: string; sampleRatio?: number };
  /** OTLP metric export besides /metrics. */
  metrics: { otlp: boolean; endpoint?: string; intervalMs: number };
}

/** A loaded, validated and normalised configuration. */
export interface GatewayConfig {
  /** Absolute path of the file it came from. */
  file: string;
  gateway: GatewaySettings;
  /** Enabled backends, in file order. */
  backends: BackendSpec[];
  /** Names of backends present but `enabled: false`. */
  disabled: string[];
  /** `toolsets:`: named views of the catalog served at /mcp/<name> (absent: none). */
  toolsets?: ToolsetSpec[];
  /** Every secret value the file holds (fields the schema marks `x-secret`, URL passwords), for masking. */
  secrets: string[];
  /** SHA-256 (hex) of the file's text as loaded: compare with `sha256sum`. */
  hash?: string;
  /** The file as loaded, with its YAML keys and `${VAR}`s expanded (secrets included): what the console shows, redacted. */
  source?: SwitchboardConfig;
}

/** Longest exposed tool or prompt name (what clients such as model APIs accept). */
export const MAX_NAME_LENGTH = 64;

/** The smart discovery meta-tool's exposed name (discovery/meta-tool.ts); a tool set may not rename a tool to it. */
export const META_TOOL_NAME = 'smart_tool_discovery';

/** What a set changes about one tool of the catalog. */
export interface ToolOverrideSpec {
  /** The name agents of the set see and call. */
  name?: string;
  title?: string;
  description?: string;
  /** Merged over the upstream tool's annotations. */
  annotations?: ToolAnnotations;
  /** Operator hints indexed by discovery in this set, never shown to agents. */
  keywords: string[];
}

/** One `toolsets:` entry after defaults: a named, curated view of the catalog. */
export interface ToolsetSpec {
  name: string;
  description?: string;
  instructions?: string;
  /** Globs over the gateway's exposed tool names. */
  tools: string[];
  excludeTools: string[];
  /** Globs over backend names whose resources (and templates) the set exposes. */
  resources: string[];
  /** Globs over backend names whose prompts the set exposes. */
  prompts: string[];
  discoveryOnly: boolean;
  /** By the tool's exposed name in the gateway's catalog. */
  overrides: Map<string, ToolOverrideSpec>;
}
