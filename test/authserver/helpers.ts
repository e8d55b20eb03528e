/** Sign-in test helpers: a gateway with sign-in in front of the test identity provider, an SDK OAuth client, a browser. */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import {
  Client,
  StreamableHTTPClientTransport,
  UnauthorizedError,
  type OAuthClientInformationFull,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  type OAuthTokens,
} from '@modelcontextprotocol/client';
import type { Page } from 'playwright-core';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import {
  IDP_CLIENT,
  startIdentityProvider,
  type IdentityProvider,
} from '../fixtures/oauth/identity-provider.js';
import { fixtureStdio, freePort, ROOT, writeConfig } from '../helpers/gateway.js';

export { CHROMIUM, chromiumMissing, launchBrowser } from '../helpers/browser.js';

export const TLS_CERT = join(ROOT, 'test/fixtures/tls/localhost-cert.pem');
const TLS_KEY = join(ROOT, 'test/fixtures/tls/localhost-key.pem');

/** A gateway with sign-in, its identity provider, and where metadata documents are served. */
export interface SignInStack {
  gateway: Gateway;
  idp: IdentityProvider;
  /** http://127.0.0.1:<port> */
  base: string;
  mcp: URL;
  /** An HTTPS server for client ID metadata documents: path → body (or a function for bad ones). */
  documents: Map<string, string | ((res: import('node:http').ServerResponse) => void)>;
  documentsBase: string;
  close(): Promise<void>;
}

/** Starts the identity provider, an HTTPS server for metadata documents, and a gateway with sign-in. */
export async function startSignInStack(
  options: {
    signIn?: string;
    gateway?: string;
    port?: number;
    idp?: IdentityProvider;
    /** The `idp:` mapping's YAML (indented 8), from the identity provider's issuer; default OpenID Connect discovery. */
    idpYaml?: (issuer: string) => string;
    /** Top-level YAML after mcpServers (e.g. `httpServices:`). */
    extra?: string;
  } = {},
): Promise<SignInStack> {
  const port = options.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const idp = options.idp ?? (await startIdentityProvider([`${base}/oauth/callback`]));
  const documents: SignInStack['documents'] = new Map();
  const tls: HttpsServer = createHttpsServer(
    { cert: readFileSync(TLS_CERT), key: readFileSync(TLS_KEY) },
    (req, res) => {
      const doc = documents.get(new URL(req.url ?? '/', 'https://localhost').pathname);
      if (doc === undefined) return void res.writeHead(404).end();
      if (typeof doc === 'function') return doc(res);
      res.writeHead(200, { 'content-type': 'application/json' }).end(doc);
    },
  );
  await new Promise<void>((r) => tls.listen(0, '127.0.0.1', r));
  const documentsBase = `https://localhost:${(tls.address() as AddressInfo).port}`;
  const yaml = `gateway:
${options.gateway ?? ''}  auth:
    sign_in:
      idp:
${options.idpYaml?.(idp.issuer) ?? `        issuer: "${idp.issuer}"\n`}        client_id: ${IDP_CLIENT.id}
        client_secret: ${IDP_CLIENT.secret}
        scopes: [openid, email, profile, groups]
      client_metadata_documents:
        allow_private_addresses: true
        ca_file: ${JSON.stringify(TLS_CERT)}
${options.signIn ?? ''}mcpServers:
${fixtureStdio('alpha')}${options.extra ?? ''}`;
  const file = writeConfig(yaml);
  const overrides = { overrides: { port, host: '127.0.0.1' } };
  const gateway = new Gateway(loadConfig(file, overrides), overrides);
  await gateway.start();
  await gateway.pool.settled();
  return {
    gateway,
    idp,
    base,
    mcp: new URL(`${base}/mcp`),
    documents,
    documentsBase,
    close: async () => {
      await gateway.close();
      if (!options.idp) await idp.stop();
      tls.closeAllConnections();
      await new Promise((r) => tls.close(r));
    },
  };
}

/** An MCP client's OAuth state, kept in memory: the SDK's OAuthClientProvider, as a desktop client implements it. */
export class TestOAuthProvider implements OAuthClientProvider {
  info?: OAuthClientInformationFull;
  saved?: OAuthTokens;
  verifier = '';
  discovery?: OAuthDiscoveryState;
  /** The URL the SDK asked to open in the browser. */
  authorizationUrl?: URL;

  constructor(
    readonly redirectUrl: string,
    readonly clientMetadataUrl?: string,
    private readonly name = 'Sign-in test client',
  ) {}

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [this.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationFull) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
  saveDiscoveryState(s: OAuthDiscoveryState) {
    this.discovery = s;
  }
  discoveryState() {
    return this.discovery;
  }
}

/** Where the browser lands after authorization: an HTTP server on 127.0.0.1 recording each callback's query. */
export class Callbacks {
  private readonly seen = new Map<string, URLSearchParams>();
  private server?: import('node:http').Server;
  base = '';

  async start(): Promise<void> {
    const { createServer } = await import('node:http');
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      this.seen.set(url.pathname, url.searchParams);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('back at the client');
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A redirect URI of this server. */
  uri(path: string): string {
    return `${this.base}/${path}`;
  }

  /** Takes the query a redirect URI received, if it was reached. */
  take(uri: string): URLSearchParams | undefined {
    const path = new URL(uri).pathname;
    const q = this.seen.get(path);
    this.seen.delete(path);
    return q;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }
}

/**
 * Follows an authorization URL in the browser as a user: logs in at the identity provider (when asked), then
 * answers the consent page (when shown). Returns the query the client's redirect URI received.
 */
export async function browserAuthorize(
  page: Page,
  callbacks: Callbacks,
  url: URL,
  redirectUrl: string,
  opts: {
    user?: string;
    password?: string;
    decision?: 'allow' | 'deny';
    onConsent?: (page: Page) => Promise<void>;
  } = {},
): Promise<URLSearchParams> {
  const back = () => page.url().startsWith(redirectUrl);
  await page.goto(url.href);
  for (let step = 0; step < 6 && !back(); step++) {
    if (await page.locator('input[name=username]').count()) {
      await page.fill('input[name=username]', opts.user ?? 'alice');
      await page.fill('input[name=password]', opts.password ?? `${opts.user ?? 'alice'}-pass`);
      await Promise.all([page.waitForNavigation(), page.click('button[type=submit]:not([name=cancel])')]);
    } else if (await page.locator('button[value=allow]').count()) {
      await opts.onConsent?.(page);
      await Promise.all([page.waitForNavigation(), page.click(`button[value=${opts.decision ?? 'allow'}]`)]);
    } else break;
  }
  const reached = back() ? callbacks.take(redirectUrl) : undefined;
  if (!reached)
    throw new Error(
      `the browser did not reach the client; it shows ${page.url()}: ${await page.locator('body').innerText()}`,
    );
  return reached;
}

/**
 * Connects an SDK client through the whole OAuth flow: the gateway's 401, discovery, registration (or a
 * metadata document), the browser login and consent, the code exchange, then the MCP connection.
 */
export async function connectWithSignIn(
  mcp: URL,
  provider: TestOAuthProvider,
  page: Page,
  callbacks: Callbacks,
  era: 'legacy' | 'modern',
  login: Parameters<typeof browserAuthorize>[4] = {},
): Promise<Client> {
  const make = () =>
    new Client(
      { name: 'sign-in-test', version: '1.0.0' },
      { versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' } },
    );
  const first = new StreamableHTTPClientTransport(mcp, { authProvider: provider });
  try {
    await make().connect(first);
    throw new Error('connected without signing in');
  } catch (err) {
    if (!(err instanceof UnauthorizedError)) throw err;
  }
  const params = await browserAuthorize(
    page,
    callbacks,
    provider.authorizationUrl!,
    provider.redirectUrl,
    login,
  );
  if (params.get('error'))
    throw new Error(`authorization failed: ${params.get('error')} ${params.get('error_description')}`);
  await first.finishAuth(params);
  const client = make();
  await client.connect(new StreamableHTTPClientTransport(mcp, { authProvider: provider }));
  return client;
}
