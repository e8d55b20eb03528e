import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';

/** Keys whose values are secrets wherever they appear in a log object (matched case-insensitively). */
const SECRET_KEY =
  /^(token|password|passwd|secret|key|value|authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|client[-_]?secret|private[-_]?key|access[-_]?token|refresh[-_]?token|id[-_]?token)$|(token|secret|password)$/i;
const CENSOR = '[redacted]';
const MAX_DEPTH = 8;

/** A copy of a log object with secret-named keys censored at any depth (deeper than MAX_DEPTH: dropped). */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[circular]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? CENSOR : redactDeep(v, depth + 1, seen);
  }
  return out;
}

/** Secret values from the config (see `setSecrets`), longest first, masked in child stderr lines. */
let secrets: string[] = [];

/** Sets the configured secret values that `maskSecrets` hides (values shorter than 6 characters are ignored). */
export function setSecrets(values: Iterable<string>): void {
  secrets = [...new Set([...values].filter((v) => v.length >= 6))].sort((a, b) => b.length - a.length);
}

/** A line with every configured secret value (and `extra` ones) replaced by [redacted]. */
export function maskSecrets(line: string, extra: readonly string[] = []): string {
  let out = line;
  for (const s of extra.length ? [...extra.filter((v) => v.length >= 6), ...secrets] : secrets)
    if (out.includes(s)) out = out.split(s).join(CENSOR);
  return out;
}

/**
 * Where log lines go: JSON lines on stderr for machines; human-readable lines through pino-pretty when stderr
 * is a terminal, or when SWITCHBOARD_LOG_FORMAT says `pretty` (`json` forces JSON). pino-pretty is loaded
 * only when used.
 */
function destination(): DestinationStream {
  const wanted = process.env.SWITCHBOARD_LOG_FORMAT?.toLowerCase();
  if (wanted && wanted !== 'json' && wanted !== 'pretty') {
    process.stderr.write(`switchboard: SWITCHBOARD_LOG_FORMAT must be "json" or "pretty", not "${wanted}"\n`);
  }
  const pretty = wanted === 'pretty' || (wanted !== 'json' && process.stderr.isTTY === true);
  if (!pretty) return pino.destination(2);
  const build = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  // Synchronous, so the last lines before process.exit (shutdown) are not lost.
  return build({
    destination: 2,
    sync: true,
    colorize: process.stderr.isTTY === true,
    translateTime: 'SYS:HH:MM:ss.l',
    singleLine: true,
    messageFormat: '{if backend}{backend}: {end}{msg}',
    ignore: 'pid,hostname,name,backend',
  });
}

/** The process-wide structured logger (stderr); level from SWITCHBOARD_LOG_LEVEL, format from SWITCHBOARD_LOG_FORMAT. */
export const log: Logger = pino(
  {
    name: 'switchboard',
    level: process.env.SWITCHBOARD_LOG_LEVEL ?? 'info',
    formatters: { log: (obj) => redactDeep(obj) as Record<string, unknown> },
  },
  destination(),
);

/** A child logger whose lines carry the backend's name. */
export function backendLog(backend: string): Logger {
  return log.child({ backend });
}

/** A path or message with the ids of connect pages (capabilities, backends/credentials/connect-flows.ts) hidden. */
export function hideConnectIds(text: string): string {
  return text.replace(/\/connect\/(?!callback\b)[A-Za-z0-9_-]{20,}/g, '/connect/[id]');
}
