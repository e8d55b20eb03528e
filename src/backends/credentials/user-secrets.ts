import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';

/** A principal has no personal secret for a backend; the message says where to store one, never a value. */
export class MissingUserSecretError extends Error {
  override name = 'MissingUserSecretError';
}

/**
 * The file a principal's secret is read from: its typed identity with every character outside `A-Z a-z 0-9 . -`
 * written `_XX` (hex), so that it is a valid Kubernetes Secret key and no two principals share a file
 * (`key:alice` is `key_3Aalice`).
 */
export function secretFileName(principal: string): string {
  return [...Buffer.from(principal, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9.-]/.test(c) ? c : `_${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** Where a backend's per-user secrets come from. */
export interface UserSecretSource {
  /** The principal's secret (trailing newline trimmed); throws MissingUserSecretError naming where to store it. */
  get(principal: string): Promise<string>;
  /** Whether the principal has a (non-empty) secret. */
  has(principal: string): Promise<boolean>;
}

/** Whether `source` holds a secret for the principal (a missing one is false; other failures are thrown). */
async function present(source: UserSecretSource, principal: string): Promise<boolean> {
  try {
    await source.get(principal);
    return true;
  } catch (err) {
    if (err instanceof MissingUserSecretError) return false;
    throw err;
  }
}

/** Per-user secrets as files in a folder, one per principal (a mounted Kubernetes Secret); read on each use. */
export class FolderSecrets implements UserSecretSource {
  constructor(
    private readonly backend: string,
    /** The folder (a mounted Secret), which the gateway only reads. */
    readonly dir: string,
  ) {}

  /** How many principals have a file (a mounted Secret's `..data` and timestamped folder are not principals). */
  async count(): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    return names.filter((n) => !n.startsWith('.')).length;
  }

  async get(principal: string): Promise<string> {
    const file = join(this.dir, secretFileName(principal));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      throw new MissingUserSecretError(
        `backend "${this.backend}" needs a personal secret for principal ${principal}: store it in the file ${file} (in a Kubernetes Secret, under the key ${secretFileName(principal)})`,
      );
    }
    const value = text.replace(/\r?\n$/, '');
    if (!value)
      throw new MissingUserSecretError(
        `the personal secret file ${file} of backend "${this.backend}" is empty`,
      );
    return value;
  }

  has(principal: string): Promise<boolean> {
    return present(this, principal);
  }
}

/** Per-user secrets in a Redis hash `<prefix>:user-secrets:<backend>`, field = the principal's typed identity. */
export class RedisSecrets implements UserSecretSource {
  constructor(
    private readonly backend: string,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** The hash holding this backend's secrets. */
  get key(): string {
    return `${this.prefix}:user-secrets:${this.backend}`;
  }

  /** Deletes the principal's secret; whether there was one. */
  async remove(principal: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, principal)) > 0;
  }

  /** How many principals have a secret (HLEN: no scan). */
  count(): Promise<number> {
    return this.redis.hlen(this.key);
  }

  async get(principal: string): Promise<string> {
    const value = await this.redis.hget(this.key, principal);
    if (value) return value;
    throw new MissingUserSecretError(
      `backend "${this.backend}" needs a personal secret for principal ${principal}: store it with redis-cli HSET ${this.key} '${principal}' '<secret>'`,
    );
  }

  has(principal: string): Promise<boolean> {
    return present(this, principal);
  }
}

/** How a secret is presented upstream: a header, its value the secret after an optional prefix (e.g. `Bearer `). */
export interface SecretPlacement {
  header: string;
  prefix?: string;
}

/** The headers that carry a principal's secret upstream. */
export function secretHeaders(placement: SecretPlacement, secret: string): Record<string, string> {
  return { [placement.header]: `${placement.prefix ?? ''}${secret}` };
}
