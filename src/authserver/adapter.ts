import { createHash } from 'node:crypto';
import { errors } from 'oidc-provider';
import { log } from '../log.js';
import type { AuthStore } from './store.js';

/** Models whose records belong to a grant (one sign-in of one user to one client): revoked together. */
const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** Models consumed once: a second use (even a concurrent one on another replica) revokes the grant. */
const ONCE_ONLY: Record<string, string> = {
  AuthorizationCode: 'authorization code',
  RefreshToken: 'refresh token',
};

type Payload = Record<string, unknown> & { jti?: string; grantId?: string; uid?: string };

/** Stored keys are hashes of the ids: the store never holds a usable code or token. */
export const hashId = (id: string): string => createHash('sha256').update(id).digest('base64url');

/** The set of record keys of one grant (a refresh-token family and its codes). */
export const grantSet = (grantId: string): string => `grant:${grantId}`;

/**
 * oidc-provider's storage adapter over an AuthStore: records keyed by a hash of their id (the token value),
 * the id itself left out of the payload; a grant's records indexed so that revoking the grant revokes them all;
 * consuming a code or refresh token done atomically, so replicas racing on the same one cannot both win.
 */
export function adapterFor(store: AuthStore) {
  return class StoreAdapter {
    constructor(readonly model: string) {}

    private key(id: string): string {
      return `${this.model}:${hashId(id)}`;
    }

    async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
      const ttlMs = typeof expiresIn === 'number' ? expiresIn * 1000 : undefined;
      const stored: Payload = { ...payload };
      delete stored.jti;
      await store.set(this.key(id), JSON.stringify(stored), ttlMs);
      if (GRANTABLE.has(this.model) && payload.grantId)
        await store.addMember(grantSet(payload.grantId), this.key(id), ttlMs);
      // The session id is also its (signed) cookie's value, so the index that finds it by uid holds it.
      if (this.model === 'Session' && payload.uid)
        await store.set(`SessionUid:${hashId(payload.uid)}`, id, ttlMs);
    }

    async find(id: string): Promise<Payload | undefined> {
      if (typeof id !== 'string' || !id) return undefined;
      const record = await store.get(this.key(id));
      if (!record) return undefined;
      const payload = JSON.parse(record.payload) as Payload;
      return { ...payload, jti: id, ...(record.consumed !== undefined && { consumed: record.consumed }) };
    }

    async findByUid(uid: string): Promise<Payload | undefined> {
      const id = (await store.get(`SessionUid:${hashId(uid)}`))?.payload;
      return id === undefined ? undefined : this.find(id);
    }

    findByUserCode(): Promise<undefined> {
      return Promise.resolve(undefined);
    }

    async consume(id: string): Promise<void> {
      if (await store.consume(this.key(id), Math.floor(Date.now() / 1000))) return;
      const label = ONCE_ONLY[this.model];
      if (!label) return;
      // Another request consumed it first: treat as reuse, as oidc-provider does when it sees the mark.
      const payload = await this.find(id);
      if (payload?.grantId) await revokeGrant(store, payload.grantId);
      log.warn({ model: this.model }, `sign-in: ${label} used twice at once; its grant is revoked`);
      throw new errors.InvalidGrant(`${label} already used`);
    }

    async destroy(id: string): Promise<void> {
      const key = this.key(id);
      const record = await store.get(key);
      await store.delete(key);
      const grantId = record && (JSON.parse(record.payload) as Payload).grantId;
      if (grantId && GRANTABLE.has(this.model)) await store.removeMember(grantSet(grantId), key);
      if (this.model === 'Grant') await revokeGrant(store, id);
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      const members = await store.members(grantSet(grantId));
      const mine = members.filter((k) => k.startsWith(`${this.model}:`));
      if (mine.length) await store.delete(...mine);
      for (const k of mine) await store.removeMember(grantSet(grantId), k);
    }
  };
}

/** Deletes a grant and every record of it. */
export async function revokeGrant(store: AuthStore, grantId: string): Promise<void> {
  const members = await store.members(grantSet(grantId));
  await store.delete(`Grant:${hashId(grantId)}`, ...members, grantSet(grantId));
}
