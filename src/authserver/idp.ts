import * as oidc from 'openid-client';
import type { IdpSettings } from '../config/model.js';
import type { Account } from './accounts.js';

/** The identity provider could not be reached, or answered with a server error: try again later (503). */
export class IdpUnavailable extends Error {
  override readonly name = 'IdpUnavailable';
}

/** The identity provider refused the login (the user cancelled, the code was rejected, claims are missing). */
export class IdpRefused extends Error {
  override readonly name = 'IdpRefused';
}

/** What a login in progress must remember until the identity provider sends the browser back. */
export interface PendingLogin {
  state: string;
  nonce?: string;
  verifier: string;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i;

/** Whether an error means the provider is unreachable or failing, rather than refusing. */
function unavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (err.name === 'AbortError' || err.name === 'TimeoutError') return true;
  if (err instanceof TypeError && /fetch failed|network/i.test(err.message)) return true;
  const status =
    (err as { status?: unknown }).status ?? (err as { cause?: { status?: unknown } }).cause?.status;
  if (typeof status === 'number' && status >= 500) return true;
  const code = (err as { code?: unknown }).code;
  return code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || code === 'OAUTH_RESPONSE_IS_NOT_JSON';
}

function classify(err: unknown, what: string): Error {
  if (err instanceof IdpRefused || err instanceof IdpUnavailable) return err;
  const detail = err instanceof Error ? err.message : String(err);
  const oauthError = (err as { error?: unknown }).error;
  if (unavailable(err)) return new IdpUnavailable(`${what}: ${detail}`);
  return new IdpRefused(`${what}: ${typeof oauthError === 'string' ? `${oauthError} (${detail})` : detail}`);
}

/** A claim as a string (numbers too: GitHub's ids). */
function text(v: unknown): string | undefined {
  if (typeof v === 'string' && v) return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return undefined;
}

/** Groups from an array of strings, or a space-separated string. */
function list(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((g): g is string => typeof g === 'string');
  return typeof v === 'string' ? v.split(' ').filter(Boolean) : [];
}

/**
 * The team's identity provider, through openid-client: an OpenID Connect provider discovered from its issuer,
 * or a plain OAuth 2 provider from configured endpoints (its user read from the user-info endpoint). Login is
 * the authorization code flow with PKCE (S256), state and, for OpenID Connect, a nonce.
 */
export class UpstreamIdp {
  private config?: Promise<oidc.Configuration>;

  constructor(
    private readonly settings: IdpSettings,
    /** switchboard's callback URL, registered at the identity provider. */
    readonly redirectUri: string,
  ) {}

  /** The provider's name in logs and on pages. */
  get name(): string {
    return this.settings.issuer ?? new URL(this.settings.authorizationEndpoint!).origin;
  }

  private configuration(): Promise<oidc.Configuration> {
    this.config ??= this.build().catch((err: unknown) => {
      this.config = undefined; // discovery is retried on the next login
      throw classify(err, `identity provider discovery at ${this.name} failed`);
    });
    return this.config;
  }

  private async build(): Promise<oidc.Configuration> {
    const s = this.settings;
    const auth =
      s.authMethod === 'none'
        ? oidc.None()
        : s.authMethod === 'client_secret_post'
          ? oidc.ClientSecretPost(s.clientSecret)
          : oidc.ClientSecretBasic(s.clientSecret);
    const insecure = (url: string | undefined) =>
      url !== undefined && url.startsWith('http:') && LOOPBACK.test(new URL(url).hostname);
    const timeout = Math.ceil(s.timeoutMs / 1000);
    let config: oidc.Configuration;
    if (s.issuer) {
      config = await oidc.discovery(new URL(s.issuer), s.clientId, undefined, auth, {
        timeout,
        ...(insecure(s.issuer) && { execute: [oidc.allowInsecureRequests] }),
      });
    } else {
      const server = {
        issuer: new URL(s.authorizationEndpoint!).origin,
        authorization_endpoint: s.authorizationEndpoint,
        token_endpoint: s.tokenEndpoint,
        userinfo_endpoint: s.userinfoEndpoint,
      };
      config = new oidc.Configuration(server, s.clientId, undefined, auth);
      if (insecure(s.authorizationEndpoint) || insecure(s.tokenEndpoint)) oidc.allowInsecureRequests(config);
    }
    config.timeout = timeout;
    return config;
  }

  /** Starts a login: the URL to send the browser to, and what to keep until it comes back. */
  async start(): Promise<{ url: URL; pending: PendingLogin }> {
    const config = await this.configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: PendingLogin = {
      state: oidc.randomState(),
      verifier,
      ...(this.settings.issuer && { nonce: oidc.randomNonce() }),
    };
    const params: Record<string, string> = {
      ...this.settings.extraParams,
      redirect_uri: this.redirectUri,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      ...(pending.nonce && { nonce: pending.nonce }),
    };
    if (this.settings.scopes.length) params.scope = this.settings.scopes.join(' ');
    return { url: oidc.buildAuthorizationUrl(config, params), pending };
  }

  /** Finishes a login from the callback URL: exchanges the code and reads the user's claims. */
  async finish(callback: URL, pending: PendingLogin): Promise<Account> {
    const config = await this.configuration();
    let claims: Record<string, unknown>;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        ...(pending.nonce && { expectedNonce: pending.nonce, idTokenExpected: true }),
      });
      claims = { ...(tokens.claims() ?? {}) };
      if (this.settings.userinfoEndpoint || !this.settings.issuer)
        claims = { ...claims, ...(await this.userInfo(config, tokens.access_token)) };
    } catch (err) {
      throw classify(err, `sign-in at ${this.name} failed`);
    }
    return this.account(claims);
  }

  private async userInfo(config: oidc.Configuration, accessToken: string): Promise<Record<string, unknown>> {
    const url = new URL(this.settings.userinfoEndpoint ?? config.serverMetadata().userinfo_endpoint ?? '');
    const res = await oidc.fetchProtectedResource(
      config,
      accessToken,
      url,
      'GET',
      undefined,
      new Headers({ accept: 'application/json' }),
    );
    if (res.status >= 500) throw new IdpUnavailable(`user-info at ${url.href} answered ${res.status}`);
    if (!res.ok) throw new IdpRefused(`user-info at ${url.href} answered ${res.status}`);
    const body = (await res.json()) as unknown;
    if (!body || typeof body !== 'object' || Array.isArray(body))
      throw new IdpRefused(`user-info at ${url.href} is not a JSON object`);
    return body as Record<string, unknown>;
  }

  /** Maps the provider's claims to the account policies match on. */
  private account(claims: Record<string, unknown>): Account {
    const map = this.settings.claims;
    const sub = text(claims[map.subject]);
    if (!sub)
      throw new IdpRefused(
        `the identity provider sent no "${map.subject}" claim (sign_in.idp.claims.subject)`,
      );
    const verified = claims.email_verified;
    return {
      sub,
      email: text(claims[map.email])?.toLowerCase(),
      ...(typeof verified === 'boolean' && { emailVerified: verified }),
      groups: list(claims[map.groups]),
      name: text(claims[map.name]),
      idp: this.name,
    };
  }
}

/** Why an account may not sign in, or undefined when it may (sign_in.allow). */
export function refusal(
  account: Account,
  allow: { emailDomains: string[]; groups: string[] },
): string | undefined {
  if (!allow.emailDomains.length && !allow.groups.length) return undefined;
  const domain = account.email?.split('@')[1];
  if (domain && account.emailVerified !== false && allow.emailDomains.includes(domain)) return undefined;
  if (account.groups.some((g) => allow.groups.includes(g))) return undefined;
  const what = [
    allow.emailDomains.length && `an email in ${allow.emailDomains.join(', ')}`,
    allow.groups.length && `membership of ${allow.groups.join(', ')}`,
  ].filter(Boolean);
  return `${account.sub} may not sign in here: this gateway requires ${what.join(' or ')}`;
}
