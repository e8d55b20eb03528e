import { maskSecrets, redactDeep } from '../log.js';
import type { RecordedPayload } from './event.js';

/**
 * Arguments or a result as the audit trail records them: redacted by the log rules (secret-named keys at any
 * depth, configured secret values anywhere), then cut to `maxBytes` of JSON text (marked `truncated`).
 */
export function recordPayload(value: unknown, maxBytes: number): RecordedPayload {
  const text = maskSecrets(JSON.stringify(redactDeep(value)) ?? 'null');
  if (Buffer.byteLength(text) <= maxBytes) return { value: JSON.parse(text) as unknown };
  // Cut on a character boundary: a partial multi-byte character is dropped by the decoder.
  const cut = Buffer.from(text)
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return { value: cut, truncated: true };
}
