import { createHash } from 'node:crypto';
import type { GatewayConfig } from '../config/model.js';

/**
 * The active configuration's short hash (12 hex digits): of the file's text as loaded, the same SHA-256 that
 * /readyz `configHash`, `switchboard status` and `sha256sum` show; of the normalised config when built in memory.
 */
export function configHash(config: GatewayConfig): string {
  return (config.hash ?? createHash('sha256').update(JSON.stringify(config)).digest('hex')).slice(0, 12);
}
