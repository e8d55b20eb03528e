import { createHash } from 'node:crypto';
import type { GatewayConfig } from '../config/model.js';

/** A short, stable hash of a normalised configuration: equal configs, equal hashes (12 hex digits). */
export function configHash(config: GatewayConfig): string {
  return createHash('sha256').update(JSON.stringify(config)).digest('hex').slice(0, 12);
}
