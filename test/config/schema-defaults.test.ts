/**
 * Every `default` the schema declares (and so docs/configuration.md shows) is the value the gateway applies when
 * the key is absent: each is checked against the normalised config of a file that leaves it out.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseDuration } from '../../src/config/interpolate.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfig, HttpSpec, SseSpec, StdioSpec } from '../../src/config/model.js';
import { CONFIDENCE_RATIO } from '../../src/discovery/index.js';
import { ROOT } from '../helpers/gateway.js';

type Schema = { default?: unknown; properties?: Record<string, Schema>; [k: string]: unknown };

/** Every `default` in the schema, by `$defs` name and key path. */
function declared(): Map<string, unknown> {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/switchboard.schema.json'), 'utf8')) as {
    $defs: Record<string, Schema>;
  };
  const found = new Map<string, unknown>();
  const walk = (node: unknown, path: string) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach((n) => walk(n, path));
    const n = node as Schema;
    if ('default' in n) found.set(path, n.default);
    for (const [k, v] of Object.entries(n.properties ?? {})) walk(v, `${path}.${k}`);
    for (const k of ['oneOf', 'anyOf', 'allOf']) walk(n[k], path);
  };
  for (const [name, def] of Object.entries(schema.$defs)) walk(def, `#${name}`);
  return found;
}

// A file that sets none of the defaulted keys, with one backend of each kind, Redis, JWT and a rate limit.
const config = parseConfig(
  `gateway:
  redis: { url: "redis://127.0.0.1:6379" }
  auth:
    api_keys: [{ name: a, key: "0123456789abcdef0123" }]
    jwt: { issuer: https://i.example, audience: x, jwks_url: https://i.example/jwks }
    rate_limit: { rate: 5 }
mcpServers:
  s: { command: node }
httpServices:
  h: { base_url: https://h.example/mcp }
sseServices:
  e: { base_url: https://e.example/sse }
toolsets:
  t: {}
`,
  '/cfg/defaults.yaml',
  { env: {} },
);
const [stdio, http, sse] = config.backends as [StdioSpec, HttpSpec, SseSpec];
const g = config.gateway;
const jwt = g.auth.jwt!;

/** What the gateway applies for each declared default, read from the normalised config (or the code that applies it). */
const applied: Record<string, (c: GatewayConfig) => unknown> = {
  '#backendCommon.enabled': (c) => c.disabled.length === 0,
  '#backendCommon.single_session': () => stdio.singleSession,
  '#backendCommon.retry_on_failover': () => stdio.retryOnFailover,
  '#backendCommon.discovery': () => stdio.discovery,
  '#backendCommon.audit_payloads': () => stdio.auditPayloads,
  '#audit.enabled': () => g.audit.enabled,
  '#audit.ring_size': () => g.audit.ringSize,
  '#audit.payload_max_bytes': () => g.audit.payloadMaxBytes,
  '#audit.sinks': () => g.audit.sinks,
  '#auditSink.max_len': () => {
    const yaml = 'gateway:\n  audit: { sinks: [{ type: redis }] }\nmcpServers:\n  s: { command: node }\n';
    const sink = parseConfig(yaml, '/cfg/audit.yaml', { env: {} }).gateway.audit.sinks[0]!;
    return sink.type === 'redis' ? sink.maxLen : undefined;
  },
  '#backendCommon.session_mode': () => stdio.sessionMode,
  '#backendCommon.idle_timeout': () => stdio.idleTimeoutMs,
  '#backendCommon.restart.max_attempts': () => stdio.restart.maxAttempts,
  '#backendCommon.restart.initial_delay': () => stdio.restart.initialDelayMs,
  '#backendCommon.restart.max_delay': () => stdio.restart.maxDelayMs,
  '#stdioServer.inherit_env': () => stdio.inheritEnv,
  '#stdioServer.protocol': () => stdio.protocol,
  '#httpService.timeout': () => http.connectTimeoutMs,
  '#httpService.protocol': () => http.protocol,
  '#httpService.http_client': () => http.httpClient,
  '#sseService.heartbeat_interval': () => sse.heartbeatMs,
  '#sseService.reconnect': () => sse.reconnect,
  '#sseService.http_client': () => sse.httpClient,
  '#discovery.expose': () => g.discovery.expose,
  '#toolset.discovery_only': (c) => c.toolsets?.[0]?.discoveryOnly,
  '#discovery.rerank': () => g.discovery.rerank,
  '#discovery.min_confidence': () => g.discovery.minConfidence ?? CONFIDENCE_RATIO,
  '#gateway.host': () => g.host,
  '#gateway.port': () => g.port,
  '#gateway.separator': () => g.separator,
  '#gateway.request_timeout': () => g.requestTimeoutMs,
  '#gateway.max_sessions': () => g.maxSessions,
  '#gateway.session_idle_timeout': () => g.sessionIdleTimeoutMs,
  '#gateway.session_eviction_min_idle': () => g.sessionEvictionMinIdleMs,
  '#gateway.max_body_bytes': () => g.maxBodyBytes,
  '#gateway.max_json_depth': () => g.maxJsonDepth,
  '#gateway.relay_path': () => g.relayPath,
  '#gateway.header_timeout': () => g.headerTimeoutMs,
  '#gateway.body_timeout': () => g.bodyTimeoutMs,
  '#gateway.reload_grace_period': () => g.reloadGracePeriodMs,
  '#gateway.shutdown_grace': () => g.shutdownGraceMs,
  '#gateway.startup_timeout': () => g.startupTimeoutMs,
  '#gateway.heap_growth_percent': () => g.heapGrowthPercent,
  '#gateway.redis.prefix': () => g.redis!.prefix,
  '#gateway.redis.lease': () => g.redis!.leaseMs,
  '#gateway.console.enabled': () => g.console.enabled,
  '#gateway.console.path': () => g.console.path,
  '#clientAuth.allow_unauthenticated': () => g.auth.allowUnauthenticated,
  '#clientAuth.operator_scope': () => g.auth.operatorScope,
  '#clientAuth.rate_limit_fail_mode': () => g.auth.rateLimitFailMode,
  '#apiKey.operator': () => g.auth.apiKeys[0]!.operator,
  '#jwtAuth.jwks_cooldown': () => jwt.jwksCooldownMs,
  '#jwtAuth.algorithms': () => jwt.algorithms,
  '#jwtAuth.clock_tolerance': () => jwt.clockToleranceMs,
  '#jwtAuth.groups_claim': () => jwt.groupsClaim,
  '#rateLimit.per': () => g.auth.rateLimit!.perMs,
  '#telemetry.metrics.interval': () => g.telemetry.metrics.intervalMs,
};

/** Defaults applied where a request is made, not in the normalised config; their own tests cover them. */
const APPLIED_LATER: Record<string, string> = {
  '#auth.header': 'src/backends/transports/factory.ts applyAuth (test/backends/transports/factory.test.ts)',
  '#auth.algorithm': 'src/backends/oauth/clients.ts (test/backends/oauth/tokens.test.ts)',
};

/** Durations compare in milliseconds, as the model holds them. */
const expected = (path: string, value: unknown) =>
  typeof value === 'string' && /^\d+(\.\d+)?(ms|s|m|h)$/.test(value) && path !== '#gateway.console.path'
    ? parseDuration(value)
    : value;

describe('schema defaults', () => {
  const defaults = declared();

  it('are each applied by the gateway when the key is absent', () => {
    for (const [path, value] of defaults) {
      if (path in APPLIED_LATER) continue;
      const read = applied[path];
      assert.ok(read, `${path}: a default the schema declares but this test does not check; add it`);
      assert.deepEqual(read(config), expected(path, value), path);
    }
  });

  it('are all declared in the schema that this test checks (none checked that the schema lost)', () => {
    for (const path of [...Object.keys(applied), ...Object.keys(APPLIED_LATER)])
      assert.ok(defaults.has(path), `${path} is no longer a default in the schema`);
  });
});
