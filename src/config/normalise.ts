import { dirname, isAbsolute, resolve } from 'node:path';
import { authSettings } from './auth.js';
import { upstreamAuth } from './upstream-auth.js';
import { parseDuration } from './interpolate.js';
import { secretValues } from './secret-values.js';
import { configSchema } from './validate.js';
import { toolsetSpecs } from './toolsets.js';
import { DEFAULT_HEAP_GROWTH_PERCENT } from './model.js';
import type {
  AuditSettings,
  AuditSinkSettings,
  BackendSpec,
  BackendSpecBase,
  DiscoverySettings,
  GatewayConfig,
  GatewaySettings,
  TelemetrySettings,
} from './model.js';
import type { Audit, BackendCommon, Discovery, SwitchboardConfig, Telemetry } from './schema-types.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);
const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;
const DEFAULT_UPSTREAM_IDLE_MS = 10 * 60_000;

/** Overrides from the command line and environment; flags win over env, env over the file. */
export interface SettingOverrides {
  host?: string;
  port?: number;
}

function ms(value: number | string | undefined, fallback: number): number {
  return value === undefined ? fallback : parseDuration(value);
}

/** `gateway.redis` from the file, else `REDIS_URL` from the environment (default prefix and lease). */
function redisSettings(
  r: NonNullable<SwitchboardConfig['gateway']>['redis'],
  env: NodeJS.ProcessEnv,
): GatewaySettings['redis'] {
  const url = r?.url ?? env.REDIS_URL;
  if (!url) return undefined;
  return { url, prefix: r?.prefix ?? 'switchboard', leaseMs: ms(r?.lease, 5000) };
}

function gatewaySettings(
  raw: SwitchboardConfig,
  overrides: SettingOverrides,
  env: NodeJS.ProcessEnv,
  baseDir: string,
): GatewaySettings {
  const g = raw.gateway ?? {};
  const host = overrides.host ?? g.host ?? '127.0.0.1';
  const loopback = LOOPBACK.has(host);
  const allowedHosts = g.allowed_hosts ?? (loopback ? ['localhost', '127.0.0.1', '[::1]'] : undefined);
  const maxSessions = g.max_sessions ?? 10_000;
  return {
    host,
    port: overrides.port ?? g.port ?? 8080,
    separator: g.separator ?? '__',
    requestTimeoutMs: ms(g.request_timeout, DEFAULT_REQUEST_TIMEOUT_MS),
    allowedHosts,
    allowedOrigins: g.allowed_origins ?? [],
    maxSessions,
    sessionIdleTimeoutMs: ms(g.session_idle_timeout, 30 * 60_000),
    sessionEvictionMinIdleMs: ms(g.session_eviction_min_idle, 60_000),
    maxBodyBytes: g.max_body_bytes ?? 4 * 1024 * 1024,
    maxJsonDepth: g.max_json_depth ?? 64,
    relayPath: g.relay_path ?? true,
    headerTimeoutMs: ms(g.header_timeout, 10_000),
    bodyTimeoutMs: ms(g.body_timeout, 30_000),
    logLevel: g.log_level,
    reloadGracePeriodMs: ms(g.reload_grace_period, 10_000),
    shutdownGraceMs: ms(g.shutdown_grace, 25_000),
    startupTimeoutMs: ms(g.startup_timeout, 60_000),
    heapGrowthPercent: g.heap_growth_percent ?? DEFAULT_HEAP_GROWTH_PERCENT,
    redis: redisSettings(g.redis, env),
    ...(g.credentials ? { credentialKeys: g.credentials.keys } : {}),
    ...(g.credentials?.public_url ? { publicUrl: g.credentials.public_url } : {}),
    discovery: discoverySettings(g.discovery),
    requestStateSecret: g.request_state_secret,
    auth: authSettings(g.auth, baseDir, { host, port: overrides.port ?? g.port ?? 8080 }, maxSessions),
    telemetry: telemetrySettings(g.telemetry, env),
    console: { enabled: g.console?.enabled ?? true, path: g.console?.path?.replace(/(.)\/+$/, '$1') ?? '/' },
    audit: auditSettings(g.audit, baseDir),
  };
}

/** `gateway.audit`: a file sink's path relative to the config file's folder. */
function auditSettings(a: Audit = {}, baseDir: string): AuditSettings {
  return {
    enabled: a.enabled ?? true,
    ringSize: a.ring_size ?? 10_000,
    payloadMaxBytes: a.payload_max_bytes ?? 4096,
    sinks: (a.sinks ?? []).map((s): AuditSinkSettings => {
      if (s.type === 'file') return { type: 'file', path: resolve(baseDir, s.path) };
      if (s.type === 'redis')
        return { type: 'redis', url: s.url, stream: s.stream, maxLen: s.max_len ?? 100_000 };
      if (s.type === 'otel') return { type: 'otel', endpoint: s.endpoint };
      return { type: 'stdout' };
    }),
  };
}

/** `gateway.telemetry`, each setting defaulting to the standard OTEL_* variable that means the same. */
function telemetrySettings(t: Telemetry = {}, env: NodeJS.ProcessEnv): TelemetrySettings {
  const off = env.OTEL_SDK_DISABLED === 'true';
  const otlp = !!env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const tracesEnv = (otlp || !!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) && env.OTEL_TRACES_EXPORTER !== 'none';
  const metricsEnv =
    (otlp || !!env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT) && env.OTEL_METRICS_EXPORTER !== 'none';
  return {
    serviceName: t.service_name ?? env.OTEL_SERVICE_NAME ?? 'switchboard',
    traces: {
      enabled: !off && (t.traces?.enabled ?? tracesEnv),
      endpoint: t.traces?.endpoint,
      sampleRatio: t.traces?.sample_ratio,
    },
    metrics: {
      otlp: !off && (t.metrics?.otlp ?? metricsEnv),
      endpoint: t.metrics?.endpoint,
      intervalMs: ms(t.metrics?.interval, 60_000),
    },
  };
}

function common(name: string, c: BackendCommon, gateway: GatewaySettings): Omit<BackendSpecBase, 'kind'> {
  return {
    name,
    description: c.description,
    prefix: typeof c.prefix === 'string' ? c.prefix : c.prefix === false ? null : name,
    requestTimeoutMs: ms(c.request_timeout, gateway.requestTimeoutMs),
    singleSession: c.single_session ?? false,
    maxQueueSize: c.max_queue_size,
    queueTimeoutMs: c.queue_timeout === undefined ? undefined : parseDuration(c.queue_timeout),
    retryOnFailover: c.retry_on_failover ?? false,
    tools: { include: c.tools?.include ?? [], exclude: c.tools?.exclude ?? [] },
    restart: {
      maxAttempts: c.restart?.max_attempts ?? 0,
      initialDelayMs: ms(c.restart?.initial_delay, 500),
      maxDelayMs: ms(c.restart?.max_delay, 30_000),
    },
    sessionMode: c.session_mode ?? 'shared',
    idleTimeoutMs: ms(c.idle_timeout, DEFAULT_UPSTREAM_IDLE_MS),
    maxSessions: c.max_sessions,
    forwardHeaders: [],
    discovery: c.discovery ?? true,
    auditPayloads: c.audit_payloads ?? false,
    protocol: '2025-11-25',
  };
}

function discoverySettings(d: Discovery = {}): DiscoverySettings {
  const e = d.embeddings;
  return {
    expose: d.expose ?? 'all',
    rerank: d.rerank ?? 'off',
    minConfidence: d.min_confidence,
    embeddings: e && { url: e.url, model: e.model, apiKey: e.api_key },
  };
}

/** Turns a schema-valid raw config into the internal model (defaults applied, durations in ms, paths absolute). */
export function normalise(
  raw: SwitchboardConfig,
  file: string,
  overrides: SettingOverrides = {},
  env: NodeJS.ProcessEnv = process.env,
): GatewayConfig {
  const baseDir = dirname(file);
  const gateway = gatewaySettings(raw, overrides, env, baseDir);
  const backends: BackendSpec[] = [];
  const disabled: string[] = [];
  const add = (name: string, c: BackendCommon, spec: BackendSpec) => {
    if (c.enabled === false) disabled.push(name);
    else backends.push(spec);
  };
  for (const [name, s] of Object.entries(raw.mcpServers ?? {})) {
    add(name, s, {
      ...common(name, s, gateway),
      kind: 'stdio',
      command: s.command,
      args: s.args ?? [],
      env: s.env ?? {},
      cwd: s.cwd ? (isAbsolute(s.cwd) ? s.cwd : resolve(baseDir, s.cwd)) : baseDir,
      inheritEnv: s.inherit_env ?? false,
      protocol: s.protocol ?? '2025-11-25',
    });
  }
  for (const [name, s] of Object.entries(raw.httpServices ?? {})) {
    add(name, s, {
      ...common(name, s, gateway),
      kind: 'http',
      url: s.base_url,
      headers: s.headers ?? {},
      auth: upstreamAuth(s.auth, baseDir),
      forwardHeaders: (s.forward_headers ?? []).map((h) => h.toLowerCase()),
      connectTimeoutMs: ms(s.timeout, 30_000),
      protocol: s.protocol ?? 'auto',
      httpClient: s.http_client ?? 'pool',
    });
  }
  for (const [name, s] of Object.entries(raw.sseServices ?? {})) {
    const restart = common(name, s, gateway).restart;
    add(name, s, {
      ...common(name, s, gateway),
      kind: 'sse',
      url: s.base_url,
      headers: s.headers ?? {},
      auth: upstreamAuth(s.auth, baseDir),
      forwardHeaders: (s.forward_headers ?? []).map((h) => h.toLowerCase()),
      heartbeatMs: ms(s.heartbeat_interval, 0),
      reconnect: s.reconnect ?? true,
      connectTimeoutMs: 30_000,
      httpClient: s.http_client ?? 'pool',
      restart: {
        ...restart,
        initialDelayMs: s.reconnect_delay_ms ?? restart.initialDelayMs,
        maxDelayMs: s.max_reconnect_delay_ms ?? restart.maxDelayMs,
      },
    });
  }
  const secrets = secretValues(raw, configSchema, baseDir);
  return { file, gateway, backends, disabled, secrets, toolsets: toolsetSpecs(raw) };
}
