/**
 * `auth: authorization_code`: each user grants the gateway access at the upstream's authorization server
 * (authorization code + PKCE) on a page the gateway shows them; the grant is kept sealed per (principal,
 * backend), refreshed ahead of expiry, and asked for again (once) when it is revoked.
 */
import { extractResourceMetadataUrl } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import { ConnectRequired, GatewayError } from '../../errors.js';
import { discoverTokenServer, DiscoveryError } from '../oauth/discovery.js';
import { OAuthTokenError } from '../oauth/errors.js';
import { tokenRequest, TokenRefused, type TokenClient } from '../oauth/token-request.js';
import type { Caller, Origin } from '../relay/origin.js';
import type { Authorizer, ConnectFlows } from './connect-flows.js';
import type { UpstreamGrant } from './grant.js';
import type { UserAuth, UserCredential } from './per-user.js';
import type { GrantStore } from './store.js';

/** Where and as which client the users' grants are asked for; endpoints not given are discovered. */
export interface CodeSettings {
  authorizationEndpoint?: string;
  tokenEndpoint?: string;
  clientId: string;
  clientSecret?: string;
  scope?: string;
  resource?: string;
}

interface Endpoints {
  authorization: string;
  token: string;
  resource?: string;
}

/** Used until a quarter of its lifetime (at most a minute) before expiry; then refreshed. */
function fresh(g: UpstreamGrant, now = Date.now()): boolean {
  if (g.expiresAt === undefined) return true;
  const margin = Math.min(60_000, (g.expiresAt - g.obtainedAt) / 4);
  return now < g.expiresAt - margin;
}

/** One backend's authorization-code grants: its Authorizer for connect pages and its UserAuth for sessions. */
export class AuthorizationCode implements Authorizer, UserAuth {
  private endpoints?: Promise<Endpoints>;
  /** Principals whose grant the upstream just refused: the next page asked for them is a second asking. */
  private readonly refusedOnce = new Set<string>();
  private readonly client: TokenClient;

  constructor(
    private readonly backend: string,
    private readonly upstream: URL,
    private readonly settings: CodeSettings,
    private readonly store: GrantStore,
    private readonly flows: ConnectFlows,
    private readonly log: Logger,
  ) {
    const { clientId: client_id, clientSecret: client_secret } = settings;
    this.client = client_secret
      ? { type: 'oauth_client_credentials', client_id, client_secret }
      : { type: 'public', client_id };
  }

  async credential(caller: Caller | undefined, origin?: Origin): Promise<UserCredential> {
    const principal = caller?.principal;
    if (!principal) {
      throw new GatewayError(
        'user_credentials',
        `backend "${this.backend}" acts as each user (auth: authorization_code) and this request has no authenticated user`,
        this.backend,
      );
    }
    const held = await this.store.get(principal, this.backend);
    if (held && fresh(held)) return this.bearer(principal, held);
    if (held?.refreshToken) {
      try {
        return this.bearer(principal, await this.refreshed(principal));
      } catch (err) {
        if (!(err instanceof TokenRefused && err.error === 'invalid_grant')) {
          if (held.expiresAt !== undefined && Date.now() < held.expiresAt)
            return this.bearer(principal, held);
          throw this.failure(err);
        }
        this.log.warn({ principal }, 'the refresh token was refused (invalid_grant); asking the user again');
        await this.store.delete(principal, this.backend);
      }
    } else if (held && (held.expiresAt === undefined || Date.now() < held.expiresAt)) {
      return this.bearer(principal, held);
    }
    throw await this.ask(principal, origin);
  }

  /**
   * The upstream refused `grant` (HTTP 401): it is dropped, and the user is asked again on the retry, once: a
   * grant given again and refused too is an error saying the upstream refuses what its server grants.
   */
  private async refusedGrant(principal: string, grant: UpstreamGrant): Promise<void> {
    const held = await this.store.get(principal, this.backend);
    if (held?.accessToken === grant.accessToken) await this.store.delete(principal, this.backend);
    if (grant.reasked) {
      this.log.warn(
        { principal },
        'the upstream refused a grant given again (HTTP 401); not asking a third time',
      );
      throw new GatewayError(
        'user_credentials',
        `backend "${this.backend}" refused the token its authorization server granted again (HTTP 401); check the scope and resource configured for it, then connect again (POST /v1/me/connections/${this.backend})`,
        this.backend,
      );
    }
    this.log.warn({ principal }, 'the upstream refused the stored grant (HTTP 401); asking the user again');
    this.refusedOnce.add(principal);
  }

  async authorizationUrl(flow: { state: string; challenge: string; redirectUri: string }): Promise<URL> {
    const at = await this.discovered();
    const url = new URL(at.authorization);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.settings.clientId);
    url.searchParams.set('redirect_uri', flow.redirectUri);
    url.searchParams.set('state', flow.state);
    url.searchParams.set('code_challenge', flow.challenge);
    url.searchParams.set('code_challenge_method', 'S256');
    if (this.settings.scope) url.searchParams.set('scope', this.settings.scope);
    if (at.resource) url.searchParams.set('resource', at.resource);
    return url;
  }

  async redeem(code: string, verifier: string, redirectUri: string): Promise<UpstreamGrant> {
    const at = await this.discovered();
    const params = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      code_verifier: verifier,
    });
    if (at.resource) params.set('resource', at.resource);
    const what = `authorization code request at ${at.token} for backend "${this.backend}"`;
    return this.logged(tokenRequest(new URL(at.token), params, this.client, what, [code, verifier]));
  }

  /** The principal's grant refreshed, one refresh at a time per slot (cluster-wide with Redis). */
  private refreshed(principal: string): Promise<UpstreamGrant> {
    return this.store.getOr(principal, this.backend, fresh, async (previous) => {
      if (!previous?.refreshToken) throw new TokenRefused('invalid_grant', 'the grant was revoked meanwhile');
      const at = await this.discovered();
      const params = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: previous.refreshToken,
      });
      if (at.resource) params.set('resource', at.resource);
      const what = `refresh token request at ${at.token} for backend "${this.backend}"`;
      const grant = await this.logged(
        tokenRequest(new URL(at.token), params, this.client, what, [previous.refreshToken]),
      );
      this.log.info({ principal }, 'refreshed a user grant');
      // A server that does not rotate refresh tokens answers without one: the old one stays valid.
      return { ...grant, refreshToken: grant.refreshToken ?? previous.refreshToken };
    });
  }

  private async ask(principal: string, origin: Origin | undefined): Promise<ConnectRequired> {
    const reasked = this.refusedOnce.delete(principal);
    // A 2025-11-25 session that can open URLs hears when the user has connected; a 2026 request retries itself.
    const told =
      origin && !origin.perRequest && origin.capabilities()?.elicitation?.url ? origin.detached() : undefined;
    const elicitation = await this.flows.begin(
      principal,
      this.backend,
      (elicitationId) => {
        void told?.notify('notifications/elicitation/complete', { elicitationId });
      },
      reasked,
    );
    return new ConnectRequired(elicitation, this.backend);
  }

  private bearer(principal: string, grant: UpstreamGrant): UserCredential {
    return {
      principal,
      headers: { Authorization: `Bearer ${grant.accessToken}` },
      refused: () => this.refusedGrant(principal, grant),
    };
  }

  private failure(err: unknown): GatewayError {
    const message = err instanceof Error ? err.message : String(err);
    return new GatewayError('user_credentials', message, this.backend);
  }

  private async logged(request: Promise<UpstreamGrant>): Promise<UpstreamGrant> {
    try {
      return await request;
    } catch (err) {
      this.log.error((err as Error).message);
      throw err;
    }
  }

  /** The `resource_metadata` of the upstream's 401 to a request without a token (RFC 9728 §5.1), if it gives one. */
  private async challenge(): Promise<URL | undefined> {
    const probe = await fetch(this.upstream, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'ping' }),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    await probe?.body?.cancel().catch(() => undefined);
    return probe?.status === 401 ? extractResourceMetadataUrl(probe) : undefined;
  }

  /** The configured endpoints, else those of the upstream's authorization server (RFC 9728, then RFC 8414). */
  private discovered(): Promise<Endpoints> {
    const s = this.settings;
    if (s.authorizationEndpoint && s.tokenEndpoint) {
      return Promise.resolve({
        authorization: s.authorizationEndpoint,
        token: s.tokenEndpoint,
        resource: s.resource,
      });
    }
    this.endpoints ??= (async () => {
      try {
        const found = await discoverTokenServer(this.upstream, await this.challenge(), this.log);
        const authorization = s.authorizationEndpoint ?? found.metadata?.authorization_endpoint;
        if (!authorization)
          throw new DiscoveryError(
            `the authorization server ${found.authorizationServerUrl} publishes no authorization_endpoint`,
          );
        const token =
          s.tokenEndpoint ??
          found.metadata?.token_endpoint ??
          new URL('/token', found.authorizationServerUrl).href;
        return { authorization, token, resource: s.resource ?? found.resource };
      } catch (err) {
        this.endpoints = undefined;
        const why = err instanceof Error ? err.message : String(err);
        throw new OAuthTokenError(
          `OAuth discovery for backend "${this.backend}" at ${this.upstream.href} failed: ${why}`,
        );
      }
    })();
    return this.endpoints;
  }
}
