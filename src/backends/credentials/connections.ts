/** A user's connection to a backend that acts as each user: what a user and an operator may see of it. */
import type { GrantStore } from './store.js';
import { RedisSecrets, type FolderSecrets } from './user-secrets.js';

/** One principal's connection to one backend: whether it holds a credential, and the grant's times and scope. */
export interface ConnectionState {
  connected: boolean;
  /** Epoch ms the grant was obtained (grant-based modes). */
  obtainedAt?: number;
  /** Epoch ms the access token expires, when known. */
  expiresAt?: number;
  scope?: string;
}

/** A connection the gateway cannot remove itself (a secret in a mounted file); the message says who can. */
export class ConnectionRevokeError extends Error {
  override name = 'ConnectionRevokeError';
}

/** How a per-user backend's connections are read, revoked and counted; never a token or secret. */
export interface UserConnections {
  state(principal: string): Promise<ConnectionState>;
  /** Forgets the principal's credential; whether there was one. Throws ConnectionRevokeError when it cannot. */
  revoke(principal: string): Promise<boolean>;
  /** How many principals are connected (read from a count the store keeps, never a scan of every key). */
  count(): Promise<number>;
}

/** Called with a grant's tokens as it is revoked, to revoke them at the upstream's authorization server too. */
export type RevokeUpstream = (grant: { accessToken: string; refreshToken?: string }) => Promise<void>;

/**
 * Connections held as grants in the GrantStore (token exchange, authorization code and any later grant-based
 * mode): connected while a grant is stored; a revoke deletes it (after `upstream`, best effort, revoked it).
 */
export function grantConnections(
  store: () => GrantStore,
  backend: string,
  upstream?: RevokeUpstream,
): UserConnections {
  return {
    async state(principal) {
      const held = (await store().list(principal)).find((g) => g.backend === backend);
      if (!held) return { connected: false };
      const { obtainedAt, expiresAt, scope } = held;
      return {
        connected: true,
        obtainedAt,
        ...(expiresAt !== undefined && { expiresAt }),
        ...(scope && { scope }),
      };
    },
    async revoke(principal) {
      const grant = await store().get(principal, backend);
      if (grant && upstream) await upstream(grant);
      return store().delete(principal, backend);
    },
    count: () => store().count(backend),
  };
}

/**
 * Connections held as personal secrets (`per_user_secret`): connected while a secret is present. A revoke
 * deletes it from Redis; secrets in a folder are mounted files the gateway does not change.
 */
export function secretConnections(backend: string, source: FolderSecrets | RedisSecrets): UserConnections {
  return {
    state: async (principal) => ({ connected: await source.has(principal) }),
    async revoke(principal) {
      if (source instanceof RedisSecrets) return source.remove(principal);
      if (!(await source.has(principal))) return false;
      throw new ConnectionRevokeError(
        `backend "${backend}" reads personal secrets from files in ${source.dir}, which the gateway does not remove: ask an operator to delete this principal's file (or Secret key)`,
      );
    },
    count: () => source.count(),
  };
}
