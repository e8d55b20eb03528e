/**
 * Sign-in end to end: the v2 SDK client's own OAuth flow (OAuthClientProvider) against switchboard's
 * authorization server, a real OpenID provider as the team's identity provider, and Debian's Chromium (driven by
 * playwright-core) for the login form and the consent page. Both protocol eras, dynamic client registration and a
 * client ID metadata document (served over HTTPS with a test CA the gateway is told to trust), refresh, consent
 * remembered and revoked, revocation (RFC 7009) ending access.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import type { Client } from '@modelcontextprotocol/client';
import { text, waitFor } from '../helpers/gateway.js';
import {
  Callbacks,
  chromiumMissing,
  connectWithSignIn,
  launchBrowser,
  startSignInStack,
  TestOAuthProvider,
  type SignInStack,
} from './helpers.js';

const skip = chromiumMissing('the sign-in browser tests');

describe('sign-in with the SDK client and a browser', { skip }, () => {
  let stack: SignInStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const clients: Client[] = [];
  const callbacks = new Callbacks();

  before(async () => {
    await callbacks.start();
    stack = await startSignInStack();
    browser = await launchBrowser();
  });
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await browser?.close();
    await stack?.close();
    await callbacks.close();
  });

  const add = async (client: Client) =>
    text(await client.callTool({ name: 'alpha__add', arguments: { a: 2, b: 3 } }));

  for (const era of ['legacy', 'modern'] as const) {
    it(`registers dynamically, logs in at the identity provider, consents, and calls a tool (${era} era)`, async () => {
      await browser.context.clearCookies();
      const provider = new TestOAuthProvider(callbacks.uri(`callback-${era}`));
      let consentText = '';
      const client = await connectWithSignIn(stack.mcp, provider, browser.page, callbacks, era, {
        onConsent: async (page) => {
          consentText = await page.locator('main').innerText();
        },
      });
      clients.push(client);
      assert.equal(await add(client), '5');
      assert.match(consentText, /Sign-in test client/);
      assert.ok(consentText.includes(new URL(callbacks.base).host), 'the redirect host is named');
      assert.match(consentText, /\bmcp\b/, 'the scope is named');
      assert.match(consentText, /alice@example\.com/);
      const claims = decodeJwt(provider.saved!.access_token);
      assert.equal(claims.iss, stack.base);
      assert.equal(claims.aud, `${stack.base}/mcp`);
      assert.equal(claims.sub, 'alice');
      assert.equal(claims.email, 'alice@example.com');
      assert.deepEqual(claims.groups, ['platform', 'staff']);
      assert.equal(claims.scope, 'mcp');
      assert.ok(provider.saved!.refresh_token, 'a refresh token was issued');
      // The audit trail has the sign-in and names the call's principal as the signed-in user.
      const audit = stack.gateway.audit;
      const signIn = audit.recent({ kind: 'sign_in' }, 10)[0];
      assert.deepEqual(signIn?.principal, { kind: 'user', id: 'alice' });
      assert.equal(signIn?.outcome, 'ok');
      const call = audit.recent({ kind: 'tools/call', tool: 'alpha__add' }, 1)[0];
      assert.deepEqual(call?.principal, { kind: 'user', id: 'alice' });
      assert.equal(call?.era, era === 'modern' ? '2026-07-28' : '2025');
    });
  }

  it('accepts a client ID metadata document as the client, and checks its redirect URI', async () => {
    await browser.context.clearCookies();
    const redirect = callbacks.uri('cimd-callback');
    const id = `${stack.documentsBase}/clients/good.json`;
    stack.documents.set(
      '/clients/good.json',
      JSON.stringify({
        client_id: id,
        client_name: 'Metadata Doc Client',
        redirect_uris: [redirect],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
      }),
    );
    const provider = new TestOAuthProvider(redirect, id);
    let consentText = '';
    const client = await connectWithSignIn(stack.mcp, provider, browser.page, callbacks, 'modern', {
      onConsent: async (page) => {
        consentText = await page.locator('main').innerText();
      },
    });
    clients.push(client);
    assert.equal(provider.info?.client_id, id, 'no registration: the document URL is the client id');
    assert.equal(await add(client), '5');
    assert.match(consentText, /Metadata Doc Client/);
    assert.match(consentText, /metadata document/);
  });

  it('refreshes an expired access token with a rotating refresh token', async () => {
    await browser.context.clearCookies();
    const provider = new TestOAuthProvider(callbacks.uri('refresh-callback'));
    const client = await connectWithSignIn(stack.mcp, provider, browser.page, callbacks, 'legacy');
    clients.push(client);
    const first = provider.saved!;
    // The access token is now refused (as an expired one would be): the SDK refreshes and retries.
    provider.saved = { ...first, access_token: `${first.access_token.slice(0, -4)}AAAA` };
    assert.equal(await add(client), '5');
    assert.notEqual(provider.saved.refresh_token, first.refresh_token, 'the refresh token rotated');
    assert.notEqual(provider.saved.access_token, first.access_token);
  });

  it('remembers consent per user and client, and ends access when the user revokes it', async () => {
    await browser.context.clearCookies();
    const provider = new TestOAuthProvider(callbacks.uri('remember-callback'));
    const first = await connectWithSignIn(stack.mcp, provider, browser.page, callbacks, 'legacy');
    clients.push(first);
    // Same user (the browser is still signed in at the gateway), same client: neither login nor consent again.
    provider.saved = undefined;
    let asked = false;
    const second = await connectWithSignIn(stack.mcp, provider, browser.page, callbacks, 'legacy', {
      onConsent: async () => {
        asked = true;
      },
    });
    clients.push(second);
    assert.equal(asked, false, 'consent was remembered');
    assert.equal(await add(second), '5');

    await browser.page.goto(`${stack.base}/oauth/consents`);
    const row = browser.page.locator('tr', { hasText: provider.info!.client_id });
    await row.waitFor();
    await Promise.all([browser.page.waitForNavigation(), row.locator('button').click()]);
    assert.equal(await browser.page.locator('tr', { hasText: provider.info!.client_id }).count(), 0);
    await assert.rejects(() => add(second), /grant request is invalid|invalid_grant|Unauthorized/i);
  });

  it('ends access when the refresh token is revoked (RFC 7009)', async () => {
    await browser.context.clearCookies();
    const provider = new TestOAuthProvider(callbacks.uri('revoke-callback'));
    const client = await connectWithSignIn(stack.mcp, provider, browser.page, callbacks, 'modern');
    clients.push(client);
    assert.equal(await add(client), '5');
    const res = await fetch(`${stack.base}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        token: provider.saved!.refresh_token!,
        client_id: provider.info!.client_id,
      }),
    });
    assert.equal(res.status, 200);
    const direct = await fetch(stack.mcp, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${provider.saved!.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(direct.status, 401);
    assert.match(direct.headers.get('www-authenticate') ?? '', /invalid_token.*revoked/);
    await assert.rejects(() => add(client), /grant request is invalid|invalid_grant|Unauthorized/i);
  });

  it('serves metadata that points clients at it', async () => {
    const prm = (await (
      await fetch(`${stack.base}/.well-known/oauth-protected-resource/mcp`)
    ).json()) as Record<string, unknown>;
    assert.deepEqual(prm.authorization_servers, [stack.base]);
    assert.equal(prm.resource, `${stack.base}/mcp`);
    const as = (await (await fetch(`${stack.base}/.well-known/oauth-authorization-server`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(as.issuer, stack.base);
    assert.deepEqual(as.code_challenge_methods_supported, ['S256']);
    assert.equal(as.client_id_metadata_document_supported, true);
    assert.equal(as.registration_endpoint, `${stack.base}/oauth/register`);
    assert.equal(as.revocation_endpoint, `${stack.base}/oauth/revoke`);
    const oidc = (await (await fetch(`${stack.base}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    assert.equal(oidc.issuer, stack.base);
    const jwks = (await (await fetch(`${stack.base}/oauth/jwks`)).json()) as {
      keys: Record<string, unknown>[];
    };
    assert.equal(jwks.keys.length, 1);
    assert.equal(jwks.keys[0]!.d, undefined, 'no private part published');
    await waitFor(() => true, 10, 'noop');
  });
});

describe(
  'sign-in through a plain OAuth 2 provider (endpoints and a user-info call, as GitHub)',
  { skip },
  () => {
    let stack: SignInStack;
    let browser: Awaited<ReturnType<typeof launchBrowser>>;
    const callbacks = new Callbacks();

    before(async () => {
      await callbacks.start();
      stack = await startSignInStack({
        idpYaml: (issuer) =>
          `        authorization_endpoint: "${issuer}/auth"\n        token_endpoint: "${issuer}/token"\n        userinfo_endpoint: "${issuer}/me"\n        claims: { subject: email }\n`,
      });
      browser = await launchBrowser();
    });
    after(async () => {
      await browser?.close();
      await stack?.close();
      await callbacks.close();
    });

    it('reads the user from the user-info endpoint and maps the configured subject claim', async () => {
      const provider = new TestOAuthProvider(callbacks.uri('oauth2'));
      const client = await connectWithSignIn(stack.mcp, provider, browser.page, callbacks, 'legacy');
      try {
        assert.equal(text(await client.callTool({ name: 'alpha__add', arguments: { a: 1, b: 1 } })), '2');
        const claims = decodeJwt(provider.saved!.access_token);
        assert.equal(claims.sub, 'alice@example.com', 'the principal is the mapped claim');
        assert.deepEqual(claims.groups, ['platform', 'staff']);
      } finally {
        await client.close();
      }
    });
  },
);
