import { createRequire } from 'node:module';
import { pino, type DestinationStream, type Logger } from 'pino';

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
    redact: {
      paths: [
        '*.token',
        '*.password',
        '*.key',
        '*.value',
        '*.client_secret',
        '*.private_key',
        '*.access_token',
        '*.headers.authorization',
        '*.headers.Authorization',
      ],
      censor: '[redacted]',
    },
  },
  destination(),
);

/** A child logger whose lines carry the backend's name. */
export function backendLog(backend: string): Logger {
  return log.child({ backend });
}
