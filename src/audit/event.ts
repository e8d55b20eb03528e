import type { AuthInfo } from '@modelcontextprotocol/server';

/** The version of the audit event schema (docs/audit.md); raised when a field changes meaning or goes away. */
export const AUDIT_SCHEMA_VERSION = 1;

/** What an audit event records. */
export const AUDIT_KINDS = [
  'tools/call',
  'resources/read',
  'prompts/get',
  'session/open',
  'session/close',
  'policy/refused',
  'rate_limit/refused',
  'sign_in',
] as const;
/** One of AUDIT_KINDS. */
export type AuditKind = (typeof AUDIT_KINDS)[number];

/**
 * Who acted, by name only (never a credential): an API key's configured name, a JWT's subject (with its
 * issuer), a user signed in through the gateway's own sign-in, or anonymous when authentication is off.
 */
export type Principal =
  | { kind: 'api_key'; id: string }
  | { kind: 'jwt'; id: string; issuer?: string }
  | { kind: 'user'; id: string }
  | { kind: 'anonymous' };

/** The downstream transport a request came in on. */
export type Front = 'http' | 'ws' | 'sse' | 'stdio' | 'rest';

/** How a request ended: served, an upstream tool error result, refused by the gateway, or failed. */
export const OUTCOMES = ['ok', 'tool_error', 'refused', 'error'] as const;
/** One of OUTCOMES. */
export type Outcome = (typeof OUTCOMES)[number];

/** Arguments or a result as recorded with a backend's `audit_payloads`: redacted, and cut when too large. */
export interface RecordedPayload {
  /** The redacted value, or its first bytes as JSON text when `truncated`. */
  value: unknown;
  truncated?: true;
}

/** One audit event: a JSON object, one per line in the file and stdout sinks (schema version `v`). */
export interface AuditEvent {
  v: typeof AUDIT_SCHEMA_VERSION;
  /** Where it is stored: `<ms>-<seq>` (the Redis stream id when read from Redis). Cursor for pagination. */
  id: string;
  /** ISO 8601 time the request started (or the session event happened). */
  time: string;
  kind: AuditKind;
  principal: Principal;
  /** Which replica recorded it (host name and process id). */
  replica: string;
  front?: Front;
  /** The protocol era: `2025` (sessions) or `2026-07-28` (per-request). */
  era?: '2025' | '2026-07-28';
  /** The downstream session id (2025 era), or the pseudo-session id of a 2026-07-28 request. */
  session?: string;
  /** The MCP method (tools/call, resources/read, prompts/get). */
  method?: string;
  /** The exposed tool or prompt name, or the resource URI. */
  target?: string;
  /** The backend that served (or would have served) it. */
  backend?: string;
  outcome: Outcome;
  /** The gateway's error code (`not_permitted`, `upstream_timeout`…), the upstream's JSON-RPC code, or a reason. */
  error?: string;
  /** How long it took, in milliseconds. */
  duration_ms?: number;
  /** The W3C trace id of the request's span, when tracing is on. */
  trace_id?: string;
  /** Only with the backend's `audit_payloads`. */
  arguments?: RecordedPayload;
  result?: RecordedPayload;
}

/** An event before it is stored (the recorder adds the version, id and replica). */
export type AuditDraft = Omit<AuditEvent, 'v' | 'id' | 'replica'>;

/** The principal of a request, from the SDK AuthInfo the auth gate set; `signInIssuer` names the gateway's own. */
export function principalOf(auth: AuthInfo | undefined, signInIssuer?: string): Principal {
  if (!auth) return { kind: 'anonymous' };
  const extra = auth.extra as { method?: string; issuer?: string } | undefined;
  if (extra?.method === 'api_key') return { kind: 'api_key', id: auth.clientId };
  if (extra?.method === 'sign_in' || (extra?.issuer !== undefined && extra.issuer === signInIssuer))
    return { kind: 'user', id: auth.clientId };
  return extra?.issuer
    ? { kind: 'jwt', id: auth.clientId, issuer: extra.issuer }
    : { kind: 'jwt', id: auth.clientId };
}

/** A principal as one string for filters: `<kind>:<id>` (`anonymous` alone). */
export function principalKey(p: Principal): string {
  return p.kind === 'anonymous' ? 'anonymous' : `${p.kind}:${p.id}`;
}

/** The front of a request, from its path (for refusals made before a session exists). */
export function frontOfPath(path: string): Front {
  if (path.startsWith('/ws')) return 'ws';
  if (path.startsWith('/sse') || path.startsWith('/messages')) return 'sse';
  if (path.startsWith('/v1') || path.startsWith('/openapi')) return 'rest';
  return 'http';
}
