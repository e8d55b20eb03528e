/** The per-user credentials of a configured backend, and the grant store they are kept in. */
import type { Logger } from 'pino';
import type { BackendSpec } from '../../config/model.js';
import { commandClient } from '../../redis/connections.js';
import { UpstreamTokens } from '../oauth/tokens.js';
import { GrantCipher, parseStoreKey } from './cipher.js';
import { exchangedBearer, type UserAuth } from './per-user.js';
import { MemorySlots, RedisSlots } from './slots.js';
import { GrantStore } from './store.js';
import { TokenExchange } from './token-exchange.js';

/** The grant store of gateway.credentials: in Redis when the gateway has Redis, else in this process. */
export function grantStore(
  keys: string[],
  redis: { url: string; prefix: string } | undefined,
): { store: GrantStore; close(): Promise<void> } {
  const cipher = new GrantCipher(keys.map(parseStoreKey));
  if (!redis) return { store: new GrantStore(new MemorySlots(), cipher), close: async () => undefined };
  const client = commandClient(redis.url, 2000, 'switchboard-grants');
  return {
    store: new GrantStore(new RedisSlots(client, redis.prefix), cipher),
    close: async () => void (await client.quit().catch(() => client.disconnect())),
  };
}

/** How a backend acting as each user authenticates: its catalog's token, and each caller's credential. */
export interface PerUserAuth {
  /** The backend's own token (client credentials of the exchange client), for its shared connection and catalog. */
  tokens: UpstreamTokens;
  users: UserAuth;
}

/** The per-user auth of a backend with `auth: token_exchange`; undefined for any other backend. */
export function perUserAuth(
  spec: BackendSpec,
  grants: (() => GrantStore) | undefined,
  log: Logger,
): PerUserAuth | undefined {
  if (spec.kind === 'stdio' || spec.auth?.type !== 'token_exchange') return undefined;
  if (!grants) throw new Error(`backend "${spec.name}" uses token_exchange without gateway.credentials`);
  const { token_endpoint, client_id, client_secret, audience, resource, scope } = spec.auth;
  const client = { type: 'oauth_client_credentials', client_id, client_secret } as const;
  const asked = { ...(audience && { audience }), ...(resource && { resource }), ...(scope && { scope }) };
  const exchange = new TokenExchange(
    spec.name,
    { tokenEndpoint: token_endpoint, client, ...asked },
    grants(),
    log,
  );
  return {
    tokens: new UpstreamTokens({ ...client, token_endpoint, ...asked }, new URL(spec.url), log),
    users: exchangedBearer(spec.name, exchange),
  };
}
