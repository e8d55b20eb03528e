import { extractResourceMetadataUrl, fetchToken } from '@modelcontextprotocol/client';
import type {
  AuthProvider,
  AuthorizationServerMetadata,
  FetchLike,
  OAuthClientProvider,
} from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { Auth } from '../../config/schema-types.js';
import { clientProvider } from './clients.js';
import { discoverTokenServer, DiscoveryError } from './discovery.js';
import {
  describeTokenFailure,
  FRESH_TOKEN_REFUSED,
  freshTokenRefused,
  OAuthTokenError,
  scrub,
} from './errors.js';

export { OAuthTokenError } from './errors.js';

type UnauthorizedContext = Parameters<NonNullable<AuthProvider['onUnauthorized']>>[0];

/** The upstream auth settings that make the gateway an OAuth client (machine to machine). */
export type OAuthAuth = Extract<Auth, { type: 'oauth_client_credentials' | 'oauth_private_key_jwt' }>;

/** Whether an upstream auth setting is one of the OAuth client types. */
export function isOAuth(auth: Auth | undefined): auth is OAuthAuth {
  return auth?.type === 'oauth_client_credentials' || auth?.type === 'oauth_private_key_jwt';
}

/** Why an OAuth upstream cannot be used after `err`: no token could be had, or it refuses fresh ones. */
export function oauthFailure(err: unknown, tokens: UpstreamTokens | undefined): string | undefined {
  if (err instanceof OAuthTokenError) return err.message;
  return tokens && freshTokenRefused(err) ? FRESH_TOKEN_REFUSED : undefined;
}

/** Where tokens come from, once known: configured, or discovered from the upstream. */
interface TokenServer {
  /** Authorization server URL (issuer), for the SDK's token request. */
  issuer: string;
  tokenEndpoint: string;
  metadata?: AuthorizationServerMetadata;
  /** RFC 8707 resource, sent exactly as configured or published (a URL object would add "/" to a bare origin). */
  resource?: string;
  /**
   * The `aud` of private_key_jwt assertions (RFC 7523 §3): the issuer its metadata names when discovered,
   * else the configured token endpoint's URL; `assertion_audience` overrides both.
   */
  assertionAudience: string;
}

interface CachedToken {
  token: string;
  /** After this, a new token is fetched before the next request; undefined = until the upstream refuses it. */
  refreshAt?: number;
  expiresAt?: number;
}

/** Refresh this long before expiry: a quarter of the lifetime, at most a minute. */
function refreshMargin(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs / 4);
}

/**
 * The access token of one OAuth upstream, shared by every connection of its backend (reconnects and
 * per-client sessions): fetched on first use, cached, fetched anew shortly before it expires and when the
 * upstream refuses it (401); concurrent requests for a new token share one token request. It is the
 * SDK transports' `authProvider`, so they retry a request refused with 401 once, after `onUnauthorized`.
 */
export class UpstreamTokens implements AuthProvider {
  /** Token requests made so far (for /readyz and tests). */
  requests = 0;
  private server?: TokenServer;
  private discovering?: Promise<TokenServer>;
  private cached?: CachedToken;
  private pending?: Promise<string>;
  /** After a failed early refresh, the current token is used without asking again until then. */
  private quietUntil = 0;
  /** The bearer token each refused (401) response was sent with; `null` = none was sent. */
  private readonly refused = new WeakMap<Response, string | null>();

  constructor(
    private readonly auth: OAuthAuth,
    private readonly serverUrl: URL,
    private readonly log: Logger,
  ) {
    if (auth.token_endpoint) {
      const endpoint = new URL(auth.token_endpoint);
      this.server = {
        issuer: endpoint.origin,
        tokenEndpoint: endpoint.href,
        metadata: { issuer: endpoint.origin, token_endpoint: endpoint.href } as AuthorizationServerMetadata,
        resource: auth.resource,
        assertionAudience: this.audience(endpoint.href),
      };
    }
  }

  /**
   * The token for the next request. Without a configured endpoint nothing is sent until the upstream's
   * 401 has said where its authorization server is (the MCP authorization spec's discovery).
   */
  async token(): Promise<string | undefined> {
    if (!this.server) return undefined;
    return this.current();
  }

  /** After a 401: discover the authorization server if needed, drop the refused token, get a new one. */
  async onUnauthorized(ctx: UnauthorizedContext): Promise<void> {
    const sent = this.refused.get(ctx.response);
    if (!this.server) {
      this.discovering ??= this.discover(ctx.response).finally(() => (this.discovering = undefined));
      this.server = await this.discovering;
    }
    if (sent && this.cached?.token === sent) {
      this.log.warn('upstream refused the access token (401); fetching a new one');
      this.cached = undefined;
    }
    await this.current();
  }

  /** Wraps the transport's fetch to remember which token a refused (401) response was sent with. */
  wrapFetch(inner: FetchLike): FetchLike {
    return async (url, init) => {
      const response = await inner(url, init);
      if (response.status === 401) {
        const header = new Headers(init?.headers).get('authorization');
        this.refused.set(response, header?.replace(/^Bearer\s+/i, '') ?? null);
      }
      return response;
    };
  }

  /** Seconds until the cached token expires, if one is cached and its lifetime is known (for /readyz). */
  expiresIn(): number | undefined {
    const at = this.cached?.expiresAt;
    return at === undefined ? undefined : Math.max(0, Math.round((at - Date.now()) / 1000));
  }

  private current(): Promise<string> {
    const cached = this.cached;
    const now = Date.now();
    if (cached && (cached.refreshAt === undefined || now < cached.refreshAt || now < this.quietUntil)) {
      return Promise.resolve(cached.token);
    }
    const early = cached?.expiresAt !== undefined && now < cached.expiresAt;
    if (!this.pending) {
      this.pending = this.fetchNew().finally(() => (this.pending = undefined));
      if (early) {
        // Refreshing early: if that fails, the old token is still good for a while; try again a little later.
        this.pending.catch((err: unknown) => {
          this.quietUntil = Date.now() + Math.min(5000, (cached.expiresAt! - Date.now()) / 4);
          this.log.warn(
            { err: (err as Error).message },
            'refreshing the access token failed; using the current one',
          );
        });
      }
    }
    return early ? this.pending.catch(() => cached.token) : this.pending;
  }

  private async fetchNew(): Promise<string> {
    const server = this.server!;
    this.requests++;
    let tokens;
    try {
      const provider: OAuthClientProvider = await clientProvider(
        this.auth,
        server.issuer,
        server.assertionAudience,
      );
      tokens = await fetchToken(provider, server.issuer, {
        metadata: server.metadata,
        resource: server.resource,
        scope: this.auth.scope,
      });
    } catch (err) {
      const message = scrub(
        `OAuth token request to ${server.tokenEndpoint} failed: ${describeTokenFailure(err)}`,
        this.auth,
      );
      this.log.error(message);
      throw new OAuthTokenError(message);
    }
    const now = Date.now();
    const lifetimeMs = tokens.expires_in !== undefined ? tokens.expires_in * 1000 : undefined;
    this.cached = {
      token: tokens.access_token,
      expiresAt: lifetimeMs === undefined ? undefined : now + lifetimeMs,
      refreshAt: lifetimeMs === undefined ? undefined : now + lifetimeMs - refreshMargin(lifetimeMs),
    };
    this.log.info(
      { tokenEndpoint: server.tokenEndpoint, expiresIn: tokens.expires_in },
      'fetched an upstream access token',
    );
    return tokens.access_token;
  }

  /** The assertion audience: the configured one, else the given default. */
  private audience(fallback: string): string {
    return (this.auth.type === 'oauth_private_key_jwt' && this.auth.assertion_audience) || fallback;
  }

  /** RFC 9728 protected-resource metadata (from the 401 or the well-known URL), then the server's metadata. */
  private async discover(response: Response): Promise<TokenServer> {
    try {
      const found = await discoverTokenServer(this.serverUrl, extractResourceMetadataUrl(response), this.log);
      const metadata = found.metadata;
      const issuer = metadata?.issuer ?? found.authorizationServerUrl;
      const tokenEndpoint = metadata?.token_endpoint ?? new URL('/token', found.authorizationServerUrl).href;
      const server: TokenServer = {
        issuer,
        tokenEndpoint,
        metadata,
        resource: this.auth.resource ?? found.resource,
        assertionAudience: this.audience(metadata ? issuer : tokenEndpoint),
      };
      this.log.info(
        { authorizationServer: issuer, tokenEndpoint: server.tokenEndpoint },
        'discovered the upstream authorization server',
      );
      return server;
    } catch (err) {
      const why = err instanceof DiscoveryError ? err.message : describeTokenFailure(err);
      const message = `OAuth discovery for ${this.serverUrl.href} failed: ${why}`;
      this.log.error(message);
      throw new OAuthTokenError(message);
    }
  }
}
