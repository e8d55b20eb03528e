/**
 * Sign-in (gateway.auth.sign_in): switchboard as the OAuth 2.1 authorization server MCP clients expect, in front
 * of the team's identity provider. The only entry point of this folder: `AuthServer.start`, then `mount` into the
 * HTTP app and `verification` for the token verifier. Nothing below this layer imports it.
 */
import { generateKeyPairSync, hkdfSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type express from 'express';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { SignInSettings, SigningKeySettings } from '../config/model.js';
import { parseSigningKey } from '../config/sign-in.js';
import { log } from '../log.js';
import { principalKey } from '../principal.js';
import type { SignInVerification } from '../server/auth/authenticator.js';
import type { OriginPolicy } from '../server/http/security.js';
import { Accounts } from './accounts.js';
import { hashId } from './adapter.js';
import { UpstreamIdp } from './idp.js';
import { interactionRoutes, type SignInListener } from './interactions.js';
import { mountProvider } from './mount.js';
import { createProvider, publicJwks } from './provider.js';
import { RedisStore } from './redis-store.js';
import { MemoryStore, type AuthStore } from './store.js';

/** Where the running gateway keeps shared state, and which Host/Origin it accepts. */
export interface AuthServerDeps {
  /** gateway.redis: with it, every replica shares sign-in state. */
  redis?: { url: string; prefix: string };
  /** The gateway's DNS-rebinding policy (followed across reloads). */
  policy: () => OriginPolicy;
  /** Told of each sign-in (the audit trail). */
  signedIn?: SignInListener;
  /** gateway.console.path when the console is served: the console signs in as a built-in client. */
  consolePath?: string;
}

/** Secrets derived from a signing key: cookie signing and CSRF tokens follow key rotation without extra settings. */
function derived(key: SigningKeySettings, purpose: string): Buffer {
  const material = JSON.stringify(key.privateJwk);
  return Buffer.from(hkdfSync('sha256', material, 'switchboard sign-in', purpose, 32));
}

/** The gateway's authorization server: oidc-provider with switchboard's storage, login and consent. */
export class AuthServer {
  private constructor(
    readonly settings: SignInSettings,
    private readonly keys: SigningKeySettings[],
    private readonly store: AuthStore,
    private readonly provider: Provider,
    private readonly routes: express.Router,
    private readonly deps: AuthServerDeps,
  ) {}

  /** Builds the authorization server (no I/O but Redis' connection; the identity provider is read at first login). */
  static start(settings: SignInSettings, deps: AuthServerDeps): AuthServer {
    let keys = settings.keys;
    if (!keys.length) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      keys = [parseSigningKey(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString())];
      log.warn(
        'sign-in: no signing_keys configured, so a key was generated for this process: its tokens stop working when it restarts',
      );
    }
    const store: AuthStore = deps.redis
      ? new RedisStore(deps.redis.url, deps.redis.prefix)
      : new MemoryStore();
    const accounts = new Accounts(store, settings.consentTtlMs);
    const provider = createProvider(settings, keys, store, {
      accounts,
      cookieKeys: keys.map((k) => derived(k, 'cookies').toString('base64url')),
      ...(deps.consolePath !== undefined
        ? { consoleRedirect: consoleRedirect(settings, deps.consolePath) }
        : {}),
      report,
    });
    const idp = new UpstreamIdp(settings.idp, `${settings.issuer}/oauth/callback`);
    const routes = interactionRoutes({
      provider,
      idp,
      accounts,
      store,
      settings,
      csrfKey: derived(keys[0]!, 'csrf'),
      ...(deps.signedIn ? { signedIn: deps.signedIn } : {}),
    });
    log.info(
      {
        issuer: settings.issuer,
        resource: settings.resource,
        idp: idp.name,
        store: deps.redis ? 'redis' : 'memory',
      },
      'sign-in: authorization server ready',
    );
    return new AuthServer(settings, keys, store, provider, routes, deps);
  }

  /** What the gateway's token verifier needs: issuer, audience, public keys, and whether a grant is still alive. */
  readonly verification = (): SignInVerification => (this.verifier ??= this.buildVerifier());
  private verifier?: SignInVerification;

  private buildVerifier(): SignInVerification {
    return {
      issuer: this.settings.issuer,
      audience: this.settings.resource,
      jwks: publicJwks(this.keys) as SignInVerification['jwks'],
      algorithms: [...new Set(this.keys.map((k) => k.alg))],
      active: async (grantId) => (await this.store.get(`Grant:${hashId(grantId)}`)) !== undefined,
    };
  }

  /**
   * The typed principal signed in to this gateway in the browser making `req` (its sign-in session cookie), if
   * any: connect pages check it is the principal they were made for.
   */
  async browserPrincipal(req: IncomingMessage, res: ServerResponse): Promise<string | undefined> {
    const session = await this.provider.Session.get(this.provider.createContext(req, res));
    const sub = session.accountId;
    return sub ? principalKey({ method: 'sign_in', name: sub, issuer: this.settings.issuer }) : undefined;
  }

  /** Whether a typed principal is one this sign-in vouches for (its tokens' issuer). */
  covers(principal: string): boolean {
    return principal.startsWith(`jwt:${this.settings.issuer}:`);
  }

  /** Adds the authorization server's routes (/oauth/*, its metadata) to the HTTP app, behind Host/Origin checks. */
  mount(app: express.Express): void {
    mountProvider(app, {
      provider: this.provider,
      routes: this.routes,
      settings: this.settings,
      policy: this.deps.policy,
    });
  }

  /** Closes the store's connection. */
  async close(): Promise<void> {
    await this.store.close();
  }
}

/** The console page at the issuer's origin (`/console` → `https://gw.example/console/`), where it lands after sign-in. */
function consoleRedirect(s: SignInSettings, path: string): string {
  return `${s.issuer}${path === '/' ? '' : path}/`;
}

/** Token, registration and authorization refusals: one line each, with the OAuth error and its cause. */
function report(event: string, ctx: KoaContextWithOIDC | undefined, err: Error): void {
  const e = err as Error & {
    error?: string;
    error_description?: string;
    error_detail?: string;
    status?: number;
    statusCode?: number;
  };
  const status = e.statusCode ?? e.status ?? 500;
  const client = ctx?.oidc?.client?.clientId ?? ctx?.oidc?.params?.client_id;
  const fields = {
    event,
    error: e.error ?? err.name,
    cause: e.error_detail ?? e.error_description ?? err.message,
    client,
    status,
  };
  if (status >= 500) log.error(fields, 'sign-in: authorization server error');
  else log.warn(fields, 'sign-in: request refused');
}
