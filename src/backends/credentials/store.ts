import { GrantCipherError, type GrantCipher } from './cipher.js';
import { slotOf, type UpstreamGrant } from './grant.js';
import type { Slots } from './slots.js';

/**
 * Upstream grants by (typed principal, backend), sealed with AES-256-GCM before they reach their Slots (memory
 * or Redis). A grant sealed with a previous key is sealed again with the current one when read.
 */
export class GrantStore {
  private readonly keys: () => GrantCipher;

  /** @param cipher the cipher, or where to read the current one (a reload may change gateway.credentials.keys). */
  constructor(
    private readonly slots: Slots,
    cipher: GrantCipher | (() => GrantCipher),
  ) {
    this.keys = typeof cipher === 'function' ? cipher : () => cipher;
  }

  private get cipher(): GrantCipher {
    return this.keys();
  }

  /**
   * The principal's grant for a backend, if one is stored; one that no configured key opens (its key was
   * retired, or it was tampered with) counts as none and is replaced when a new grant is obtained.
   */
  async get(principal: string, backend: string): Promise<UpstreamGrant | undefined> {
    const sealed = await this.slots.get(principal, backend);
    if (sealed === undefined) return undefined;
    const cipher = this.cipher;
    let grant: UpstreamGrant;
    try {
      grant = JSON.parse(cipher.open(sealed, slotOf(principal, backend))) as UpstreamGrant;
    } catch (err) {
      if (err instanceof GrantCipherError) return undefined;
      throw err;
    }
    if (cipher.stale(sealed)) await this.put(principal, backend, grant);
    return grant;
  }

  /** Stores (replaces) the principal's grant for a backend. */
  async put(principal: string, backend: string, grant: UpstreamGrant): Promise<void> {
    await this.slots.set(
      principal,
      backend,
      this.cipher.seal(JSON.stringify(grant), slotOf(principal, backend)),
    );
  }

  /** Forgets the principal's grant for a backend; whether there was one. */
  delete(principal: string, backend: string): Promise<boolean> {
    return this.slots.delete(principal, backend);
  }

  /** How many principals hold a stored grant for a backend (one that no longer opens included). */
  count(backend: string): Promise<number> {
    return this.slots.count(backend);
  }

  /** The backends the principal holds grants for, with when each was obtained and expires (never the tokens). */
  async list(
    principal: string,
  ): Promise<{ backend: string; obtainedAt: number; expiresAt?: number; scope?: string }[]> {
    const all = await this.slots.all(principal);
    return Object.entries(all).flatMap(([backend, sealed]) => {
      try {
        const g = JSON.parse(this.cipher.open(sealed, slotOf(principal, backend))) as UpstreamGrant;
        return [{ backend, obtainedAt: g.obtainedAt, expiresAt: g.expiresAt, scope: g.scope }];
      } catch {
        return [];
      }
    });
  }

  /**
   * The grant `obtain` gives when none usable is stored, obtained by one caller at a time per slot (one replica
   * at a time with Redis): a caller that waited finds the grant its predecessor stored, and does not ask again.
   */
  async getOr(
    principal: string,
    backend: string,
    fresh: (g: UpstreamGrant) => boolean,
    obtain: (previous: UpstreamGrant | undefined) => Promise<UpstreamGrant>,
  ): Promise<UpstreamGrant> {
    const held = await this.get(principal, backend);
    if (held && fresh(held)) return held;
    return this.slots.locked(principal, backend, async () => {
      const now = await this.get(principal, backend);
      if (now && fresh(now)) return now;
      const grant = await obtain(now);
      await this.put(principal, backend, grant);
      return grant;
    });
  }
}
