import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** A store key that cannot be used: not 32 bytes in base64, or a sealed grant no configured key opens. */
export class GrantCipherError extends Error {
  override name = 'GrantCipherError';
}

/** A configured store key: 32 bytes, given as base64 (44 characters) or hex (64 digits). */
export function parseStoreKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  if (key.length !== 32) throw new GrantCipherError('a credentials store key is 32 bytes, in base64 or hex');
  return key;
}

const idOf = (key: Buffer) => createHash('sha256').update(key).digest('hex').slice(0, 8);

/**
 * AES-256-GCM for stored grants. Seals with the first key; opens with whichever key sealed (named by a short
 * digest in the envelope), so a second key keeps old grants readable while keys rotate. The slot a grant is
 * stored under (principal and backend) is authenticated data: a sealed grant moved to another slot does not open.
 */
export class GrantCipher {
  private readonly keys: { id: string; key: Buffer }[];

  /** @param keys the current key first, then the previous one(s) during a rotation. */
  constructor(keys: Buffer[]) {
    if (!keys.length) throw new GrantCipherError('no credentials store key configured');
    this.keys = keys.map((key) => ({ id: idOf(key), key }));
  }

  /** `v1.<key id>.<iv>.<tag>.<ciphertext>`, base64url parts. */
  seal(plain: string, slot: string): string {
    const { id, key } = this.keys[0]!;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(Buffer.from(slot, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return ['v1', id, iv, cipher.getAuthTag(), body]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plain text; throws GrantCipherError when no configured key opens it (the message holds no secret). */
  open(sealed: string, slot: string): string {
    const [v, id, iv, tag, body] = sealed.split('.');
    if (v !== 'v1' || !id || !iv || !tag || body === undefined)
      throw new GrantCipherError('not a sealed grant');
    const candidates = this.keys.filter((k) => k.id === id);
    for (const { key } of candidates) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(slot, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        // Tampered, or sealed for another slot: try no further.
      }
    }
    throw new GrantCipherError(
      candidates.length
        ? 'a stored grant failed authentication'
        : 'a stored grant was sealed with a key no longer configured',
    );
  }

  /** Whether `sealed` was sealed with an older key (to be sealed again with the current one). */
  stale(sealed: string): boolean {
    return sealed.split('.')[1] !== this.keys[0]!.id;
  }
}
