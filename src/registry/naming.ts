import { createHash } from 'node:crypto';
import { MAX_NAME_LENGTH } from '../config/model.js';

/** Longest exposed tool or prompt name (defined with the config, whose checks need it too). */
export { MAX_NAME_LENGTH };

const VALID = /^[A-Za-z0-9_-]{1,64}$/;

/** A short, stable hash of a string (8 hex characters). */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** Whether a name is already a valid exposed name. */
export function isValidName(name: string): boolean {
  return VALID.test(name);
}

/**
 * The exposed name for an upstream name: `<prefix><separator><name>`, characters outside [A-Za-z0-9_-]
 * replaced by `_`, and names over 64 characters cut and suffixed with a hash of the full original, so
 * the result is deterministic across restarts and distinct names stay distinct.
 */
export function qualify(prefix: string | null, name: string, separator: string): string {
  const raw = prefix ? `${prefix}${separator}${name}` : name;
  const clean = raw.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
  if (clean.length <= MAX_NAME_LENGTH) return clean;
  return `${clean.slice(0, MAX_NAME_LENGTH - 9)}_${shortHash(raw)}`;
}

/** A second name for an entry whose qualified name is already taken: cut and suffixed with a hash of its origin. */
export function disambiguate(qualified: string, backend: string, name: string): string {
  return `${qualified.slice(0, MAX_NAME_LENGTH - 9)}_${shortHash(`${backend}\u0000${name}`)}`;
}
