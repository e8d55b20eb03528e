/** The per-user credentials of a configured backend, and the gateway-wide stores they are kept in. */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { BackendSpec } from '../../config/model.js';
import type { Auth } from '../../config/schema-types.js';
import { GatewayError } from '../../errors.js';
import { commandClient } from '../../redis/connections.js';
import { UpstreamTokens } from '../oauth/tokens.js';
import { GrantCipher, parseStoreKey } from './cipher.js';
import { grantConnections, secretConnections, type UserConnections } from './connections.js';
import { log as rootLog } from '../../log.js';
import { AuthorizationCode } from './authorization-code.js';
import { ConnectFlows } from './connect-flows.js';
import { MemoryRecords, RedisRecords } from './connect-records.js';
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
  /** The connect pages of authorization_code backends (records in Redis when configured, else in memory). */
  flows(): ConnectFlows;
  /** The gateway listens at `mcpUrl` (its /mcp): connect pages are served beside it unless public_url is set. */
  listening(mcpUrl: string): void;
  /** The gateway's Redis and key prefix, when configured. */
  redis(): { client: Redis; prefix: string } | undefined;
  close(): Promise<void>;
}

/** The stores of the gateway's current settings: the grant store in Redis when the gateway has Redis, else in memory. */
export function credentialStores(
  settings: () => {
    credentialKeys?: string[];
    publicUrl?: string;
    redis?: { url: string; prefix: string };
  },
  log: Logger = rootLog,
): CredentialStores {
  let redis: { client: Redis; prefix: string } | undefined;
  let grants: GrantStore | undefined;
  let flows: ConnectFlows | undefined;
  let listeningAt: string | undefined;
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
  const stores: CredentialStores = {
    grants() {
      if (grants) return grants;
      const r = connect();
      return (grants = new GrantStore(r ? new RedisSlots(r.client, r.prefix) : new MemorySlots(), cipher));
    },
    flows() {
      if (flows) return flows;
      const r = connect();
      const url = settings().redis?.url;
      const records = r ? new RedisRecords(r.client, r.prefix) : new MemoryRecords();
      const bus = r && url ? { ...r, url } : undefined;
      const base = () => settings().publicUrl ?? listeningAt;
      return (flows = new ConnectFlows(records, stores.grants(), base, log, bus));
    },
    listening(mcpUrl) {
      listeningAt = mcpUrl.replace(/\/mcp$/, '');
    },
    redis: connect,
    async close() {
      await flows?.close();
      await redis?.client.quit().catch(() => redis?.client.disconnect());
    },
  };
  return stores;
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

/** The per-user auth of a backend with `auth: token_exchange`, `per_user_secret` or `authorization_code`; undefined for others. */
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
  if (auth?.type === 'authorization_code') return authorizationCode(spec.name, spec.url, auth, stores, log);
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

/**
 * `auth: authorization_code`: each user's grant by authorization code (connect pages, URL elicitation); the
 * catalog with a client-credentials token of the same client when it has a secret, else with none.
 */
function authorizationCode(
  name: string,
  url: string,
  auth: Extract<Auth, { type: 'authorization_code' }>,
  stores: CredentialStores,
  log: Logger,
): PerUserAuth {
  const { client_id, client_secret, token_endpoint, scope, resource } = auth;
  const settings = {
    clientId: client_id,
    ...(client_secret && { clientSecret: client_secret }),
    ...(auth.authorization_endpoint && { authorizationEndpoint: auth.authorization_endpoint }),
    ...(token_endpoint && { tokenEndpoint: token_endpoint }),
    ...(scope && { scope }),
    ...(resource && { resource }),
  };
  const code = new AuthorizationCode(name, new URL(url), settings, stores.grants(), stores.flows(), log);
  stores.flows().register(name, code);
  if (!client_secret) return { users: code };
  const catalog = {
    ...({ type: 'oauth_client_credentials', client_id, client_secret } as const),
    ...(token_endpoint && { token_endpoint }),
    ...(scope && { scope }),
    ...(resource && { resource }),
  };
  return { tokens: new UpstreamTokens(catalog, new URL(url), log), users: code };
}
