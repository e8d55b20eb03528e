import type { JsonWebKey } from 'node:crypto';
import Provider, {
  errors,
  interactionPolicy,
  type Configuration,
  type KoaContextWithOIDC,
} from 'oidc-provider';
import type { SignInSettings, SigningKeySettings } from '../config/model.js';
import type { Accounts } from './accounts.js';
import { adapterFor } from './adapter.js';
import { documentFetch, hostAllowed } from './fetch.js';
import { errorPage } from './pages.js';
import type { AuthStore } from './store.js';

/** Where the authorization server's endpoints live (all under /oauth, beside /mcp). */
export const ROUTES = {
  authorization: '/oauth/authorize',
  token: '/oauth/token',
  registration: '/oauth/register',
  revocation: '/oauth/revoke',
  jwks: '/oauth/jwks',
  userinfo: '/oauth/userinfo',
  end_session: '/oauth/logout',
  introspection: '/oauth/introspect',
  pushed_authorization_request: '/oauth/par',
  code_verification: '/oauth/device',
  device_authorization: '/oauth/device/auth',
  backchannel_authentication: '/oauth/backchannel',
  challenge: '/oauth/challenge',
  credential: '/oauth/credential',
} as const;

/** The experimental CIMD version this code follows (oidc-provider refuses to start if its implementation moves on). */
const CIMD_ACK = 'draft-02';

const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));

/** The web console's client id: a built-in public client, so the console signs in as MCP clients do. */
export const CONSOLE_CLIENT_ID = 'switchboard-console';

/** The console's static client registration: its page (under the issuer's origin) is its only redirect URI. */
function consoleClient(redirectUri: string): NonNullable<Configuration['clients']>[number] {
  return {
    client_id: CONSOLE_CLIENT_ID,
    client_name: 'switchboard console',
    redirect_uris: [redirectUri],
    application_type: 'web',
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
}

/** Whether a redirect URI can be claimed by any local program: loopback http, or a private-use scheme. */
export function claimableRedirect(uri: string): boolean {
  try {
    const u = new URL(uri);
    if (u.protocol === 'https:') return false;
    return u.protocol !== 'http:' || /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/i.test(u.hostname);
  } catch {
    return true;
  }
}

/** What the provider needs besides settings and storage. */
export interface ProviderDeps {
  accounts: Accounts;
  /** Keys to sign cookies with (the first signs). */
  cookieKeys: string[];
  /** The console page's URL when the console is served: it becomes a built-in client redirecting there. */
  consoleRedirect?: string;
  /** Logs an authorization server error once, with its cause. */
  report(event: string, ctx: KoaContextWithOIDC | undefined, err: Error): void;
}

/** The interaction policy: oidc-provider's login and consent prompts, with consent asked on switchboard's terms. */
function policy(accounts: Accounts) {
  const { Check, base } = interactionPolicy;
  const p = base();
  const consent = p.get('consent')!;
  // Replaced by the check below, which remembers consent except where a client id can be impersonated.
  consent.checks.remove('native_client_prompt');
  consent.checks.add(
    new Check('consent_required', 'the user has not approved this client', async (ctx) => {
      const { oidc } = ctx;
      const sub = oidc.session?.accountId;
      if (oidc.result?.consent) return Check.NO_NEED_TO_PROMPT;
      const remembered = sub && (await accounts.consent(sub, oidc.client!.clientId));
      if (!remembered || remembered.grantId !== oidc.grant?.jti) return Check.REQUEST_PROMPT;
      // A metadata-document client whose redirect any local program can claim is asked every time.
      const cimd = /^https:\/\//.test(oidc.client!.clientId);
      if (cimd && claimableRedirect(String(oidc.params?.redirect_uri ?? ''))) return Check.REQUEST_PROMPT;
      return Check.NO_NEED_TO_PROMPT;
    }),
    0,
  );
  return p;
}

/** The oidc-provider configuration for sign-in. */
function configuration(
  s: SignInSettings,
  keys: SigningKeySettings[],
  store: AuthStore,
  deps: ProviderDeps,
): Configuration {
  const alg = keys[0]!.alg;
  const cimd = s.metadataDocuments;
  const allowHost = hostAllowed(cimd);
  return {
    adapter: adapterFor(store),
    ...(deps.consoleRedirect ? { clients: [consoleClient(deps.consoleRedirect)] } : {}),
    jwks: {
      keys: keys.map((k) => k.privateJwk) as Configuration['jwks'] extends { keys: infer K } ? K : never,
    },
    cookies: {
      keys: deps.cookieKeys,
      names: { session: 'sb_session', interaction: 'sb_interaction', resume: 'sb_resume' },
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    routes: ROUTES,
    responseTypes: ['code'],
    // The resource's scopes are listed too, so that clients may register with them (RFC 7591 `scope`). Not
    // offline_access: refresh tokens come without it, and asking for it makes clients send prompt=consent, which
    // would ask for consent at every sign-in.
    scopes: ['openid', ...s.scopes],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      id_token_signed_response_alg: alg,
    },
    enabledJWA: { idTokenSigningAlgValues: [...new Set(keys.map((k) => k.alg))] },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      registration: { enabled: s.dynamicRegistration, issueRegistrationAccessToken: false },
      revocation: {
        enabled: true,
        // A public client may revoke only its own tokens; another's get the same 200 (RFC 7009 §2.2) and stay.
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      clientIdMetadataDocument: {
        enabled: cimd.enabled,
        ack: CIMD_ACK,
        allowFetch: (_ctx, clientId) => allowHost(clientId),
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => s.resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator.replace(/\/$/, '') !== s.resource.replace(/\/$/, ''))
            throw new errors.InvalidTarget(`resource must be this gateway (${s.resource})`);
          return {
            scope: s.scopes.join(' '),
            audience: s.resource,
            accessTokenTTL: seconds(s.accessTokenTtlMs),
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg } },
          };
        },
      },
    },
    formats: {
      customizers: {
        // The grant (one user's sign-in to one client): the gateway refuses its tokens once it is revoked.
        jwt: (_ctx, token, parts) => {
          if ('grantId' in token && token.grantId) parts.payload.gid = token.grantId;
        },
      },
    },
    extraTokenClaims: async (_ctx, token) => {
      const sub = 'accountId' in token ? token.accountId : undefined;
      const a = sub ? await deps.accounts.find(sub) : undefined;
      if (!a) return undefined;
      return { ...(a.email && { email: a.email }), groups: a.groups, ...(a.name && { name: a.name }) };
    },
    findAccount: async (_ctx, sub) => {
      const a = await deps.accounts.find(sub);
      if (!a) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          ...(a.email && { email: a.email }),
          ...(a.emailVerified !== undefined && { email_verified: a.emailVerified }),
          ...(a.name && { name: a.name }),
          groups: a.groups,
        }),
      };
    },
    loadExistingGrant: async (ctx) => {
      const { oidc } = ctx;
      const grantId = oidc.result?.consent?.grantId;
      if (grantId) return oidc.provider.Grant.find(grantId);
      const sub = oidc.session?.accountId;
      const remembered = sub && (await deps.accounts.consent(sub, oidc.client!.clientId));
      return remembered ? oidc.provider.Grant.find(remembered.grantId) : undefined;
    },
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    allowOmittingSingleRegisteredRedirectUri: false,
    ttl: {
      AccessToken: seconds(s.accessTokenTtlMs),
      AuthorizationCode: 60,
      RefreshToken: seconds(s.refreshTokenTtlMs),
      Grant: seconds(s.consentTtlMs),
      Session: seconds(s.sessionTtlMs),
      Interaction: 600,
      IdToken: 3600,
    },
    interactions: {
      url: (_ctx, interaction) => `/oauth/interaction/${interaction.uid}`,
      policy: policy(deps.accounts),
    },
    fetch: documentFetch(cimd) as Configuration['fetch'],
    fetchResponseBodyLimits: { 'client_id metadata document': cimd.maxBytes },
    renderError: (ctx, out, err) => {
      ctx.type = 'html';
      ctx.status = out.error === 'server_error' ? 500 : ((err as { statusCode?: number }).statusCode ?? 400);
      const body = errorPage('Sign-in failed', `${out.error}: ${out.error_description ?? ''}`);
      ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in failed</title></head><body><main>${body}</main></body></html>`;
      ctx.set(
        'Content-Security-Policy',
        "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
      );
      ctx.set('Cache-Control', 'no-store');
    },
  };
}

/** Builds the oidc-provider instance; `keys` are the signing keys in use (configured, or generated at start). */
export function createProvider(
  s: SignInSettings,
  keys: SigningKeySettings[],
  store: AuthStore,
  deps: ProviderDeps,
): Provider {
  const provider = new Provider(s.issuer, configuration(s, keys, store, deps));
  // Endpoint URLs follow the issuer: the mount point sets X-Forwarded-* from it on every request (see mount.ts).
  provider.proxy = true;
  // A client registered without token_endpoint_auth_method is public ("none"): oidc-provider still mints a
  // secret for it, which would only mislead the client into sending it.
  provider.use(async (ctx, next) => {
    await next();
    const body = ctx.body as Record<string, unknown> | undefined;
    if (ctx.oidc?.route === 'registration' && body?.token_endpoint_auth_method === 'none') {
      delete body.client_secret;
      delete body.client_secret_expires_at;
    }
  });
  for (const event of [
    'authorization.error',
    'grant.error',
    'registration_create.error',
    'revocation.error',
    'userinfo.error',
    'discovery.error',
    'jwks.error',
    'server_error',
  ]) {
    (provider.on as (e: string, l: (ctx: KoaContextWithOIDC, err: Error) => void) => Provider)(
      event,
      (ctx, err) => deps.report(event, ctx, err),
    );
  }
  return provider;
}

/** The public JWKS of the keys in use. */
export function publicJwks(keys: SigningKeySettings[]): { keys: JsonWebKey[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}
