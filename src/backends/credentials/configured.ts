/** The per-user credentials of a configured backend, and the gateway-wide stores they are kept in. */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BackendSpec } from '../../config/model.js';
import { GatewayError } from '../../errors.js';
import { commandClient } from '../../redis/connections.js';
import { UpstreamTokens } from '../oauth/tokens.js';
import { GrantCipher, parseStoreKey } from './cipher.js';
import { grantConnections, secretConnections, type UserConnections } from './connections.js';
import { exchangedBearer, secretHeader, type UserAuth } from './per-user.js';
import { MemorySlots, RedisSlots } from './slots.js';
import { GrantStore } from './store.js';
import { TokenExchange } from './token-exchange.js';
import { FolderSecrets, RedisSecrets } from './user-secrets.js';

/**
 * What backends acting as each user share: the grant store (gateway.credentials) and Redis, made on first use.
 * The store's keys follow the settings: a reload that changes gateway.credentials.keys applies at the next use.
 */
export interface CredentialStores {
  grants(): GrantStore;
  /** The gateway's Redis and key prefix, when configured. */
  redis(): { client: Redis; prefix: string } | undefined;
  close(): Promise<void>;
}

/** The stores of the gateway's current settings: the grant store in Redis when the gateway has Redis, else in memory. */
export function credentialStores(
  settings: () => { credentialKeys?: string[]; redis?: { url: string; prefix: string } },
): CredentialStores {
  let redis: { client: Redis; prefix: string } | undefined;
  let grants: GrantStore | undefined;
  let keyed: { keys: string; cipher: GrantCipher } | undefined;
  const cipher = () => {
    const keys = settings().credentialKeys ?? [];
    const text = keys.join('\n');
    if (keyed?.keys !== text) keyed = { keys: text, cipher: new GrantCipher(keys.map(parseStoreKey)) };
    return keyed.cipher;
  };
  const connect = () => {
    const r = settings().redis;
    if (r && !redis)
      redis = { client: commandClient(r.url, 2000, 'switchboard-credentials'), prefix: r.prefix };
    return redis;
  };
  return {
    grants() {
      if (grants) return grants;
      const r = connect();
      return (grants = new GrantStore(r ? new RedisSlots(r.client, r.prefix) : new MemorySlots(), cipher));
    },
    redis: connect,
    async close() {
      await redis?.client.quit().catch(() => redis?.client.disconnect());
    },
  };
}

/** The connections of a backend that cannot hold any (misconfigured): none, nothing to revoke. */
const NO_CONNECTIONS: UserConnections = {
  state: async () => ({ connected: false }),
  revoke: async () => false,
  count: async () => 0,
};

/** How a backend acting as each user authenticates: its own connection's token, and each caller's credential. */
export interface PerUserAuth {
  /** The backend's own token for its shared connection and catalog (token exchange: the client's own grant). */
  tokens?: UpstreamTokens;
  users: UserAuth;
}

/** The per-user auth of a backend with `auth: token_exchange` or `per_user_secret`; undefined for others. */
export function perUserAuth(
  spec: BackendSpec,
  stores: CredentialStores | undefined,
  log: Logger,
): PerUserAuth | undefined {
  if (spec.kind === 'stdio' || !stores) return undefined;
  const auth = spec.auth;
  if (auth?.type === 'per_user_secret') {
    const placement = { header: auth.header ?? 'Authorization', prefix: auth.prefix };
    const redis = auth.folder === undefined ? stores.redis() : undefined;
    if (auth.folder === undefined && !redis) {
      const why = `backend "${spec.name}" reads personal secrets from Redis (auth.folder is not set), and the gateway has no gateway.redis`;
      const users: UserAuth = {
        credential: () => Promise.reject(new GatewayError('user_credentials', why, spec.name)),
        connections: NO_CONNECTIONS,
      };
      return { users };
    }
    const source = redis
      ? new RedisSecrets(spec.name, redis.client, redis.prefix)
      : new FolderSecrets(spec.name, auth.folder!);
    const connections = secretConnections(spec.name, source);
    return { users: secretHeader(spec.name, source, placement, connections) };
  }
  if (auth?.type !== 'token_exchange') return undefined;
  const { token_endpoint, client_id, client_secret, audience, resource, scope } = auth;
  const client = { type: 'oauth_client_credentials', client_id, client_secret } as const;
  const asked = { ...(audience && { audience }), ...(resource && { resource }), ...(scope && { scope }) };
  const exchange = new TokenExchange(
    spec.name,
    { tokenEndpoint: token_endpoint, client, ...asked },
    stores.grants(),
    log,
  );
  const users: UserAuth = {
    ...exchangedBearer(spec.name, exchange),
    connections: grantConnections(
      () => stores.grants(),
      spec.name,
      (grant) => exchange.revokeUpstream(grant),
    ),
  };
  return {
    tokens: new UpstreamTokens({ ...client, token_endpoint, ...asked }, new URL(spec.url), log),
    users,
  };
}

/**
 * A per-user backend's connections: its mode's own, else (any grant-based mode) the grants it holds in the
 * grant store.
 */
export function perUserConnections(
  name: string,
  perUser: PerUserAuth,
  stores: CredentialStores,
): UserConnections {
  return perUser.users.connections ?? grantConnections(() => stores.grants(), name);
}
