import { pino, type Logger } from 'pino';

/** The process-wide structured logger (JSON lines on stderr); level from SWITCHBOARD_LOG_LEVEL. */
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
  pino.destination(2),
);

/** A child logger whose lines carry the backend's name. */
export function backendLog(backend: string): Logger {
  return log.child({ backend });
}
