/**
 * `auth: authorization_code` behind the gateway's own sign-in: the connect page checks that the browser opening
 * it is signed in to the gateway as the principal it was made for (the spec's binding of the browser user to the
 * elicitation), so a link sent to someone else connects nothing.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ProtocolError, type Client } from '@modelcontextprotocol/client';
import { AuthorizationServer } from '../../fixtures/oauth/authorization-server.js';
import { ProtectedUpstream } from '../../fixtures/oauth/protected-upstream.js';
import { text } from '../../helpers/gateway.js';
import {
  Callbacks,
  chromiumMissing,
  connectWithSignIn,
  launchBrowser,
  startSignInStack,
  TestOAuthProvider,
  type SignInStack,
} from '../../authserver/helpers.js';

const skip = chromiumMissing('the connect page behind sign-in');

describe('an authorization_code backend behind the gateway’s sign-in', { skip }, () => {
  let as: AuthorizationServer;
  let upstream: ProtectedUpstream;
  let stack: SignInStack;
  const callbacks = new Callbacks();
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let stranger: Awaited<ReturnType<typeof launchBrowser>>;
  let client: Client;

  before(async () => {
    as = await new AuthorizationServer().start();
    as.clients.set('gateway', { secret: 'gateway-code-secret-89ab' });
    upstream = await new ProtectedUpstream(as).start();
    await callbacks.start();
    stack = await startSignInStack({
      gateway: `  credentials:\n    keys: ["${randomBytes(32).toString('base64')}"]\n`,
      signIn: `httpServices:
  gh:
    base_url: ${upstream.mcpUrl}
    auth: { type: authorization_code, client_id: gateway, client_secret: gateway-code-secret-89ab }
`,
    });
    as.codes.redirectUris.set('gateway', [`${stack.base}/connect/callback`]);
    browser = await launchBrowser();
    stranger = await launchBrowser();
  });

  after(async () => {
    await client?.close().catch(() => undefined);
    await browser?.close();
    await stranger?.close();
    await stack?.close();
    await callbacks.close();
    await upstream?.stop();
    await as?.stop();
  });

  it('refuses the link in a browser not signed in as its principal, and connects in the one that is', async () => {
    const provider = new TestOAuthProvider(callbacks.uri('callback'));
    client = await connectWithSignIn(stack.mcp, provider, browser.page, callbacks, 'legacy', {
      user: 'alice',
    });
    const err = await client.callTool({ name: 'gh__whoami', arguments: {} }).then(
      () => assert.fail('expected -32007'),
      (e: unknown) => e as ProtocolError,
    );
    assert.equal(err.code, -32007, err.message);
    const link = (err.data as { url: string }).url;
    assert.ok(link.startsWith(`${stack.base}/connect/`), link);

    const refused = await stranger.page.goto(link);
    assert.equal(refused?.status(), 403);
    assert.match(
      await stranger.page.locator('body').innerText(),
      /Open it in the browser where you signed in/,
    );
    const posted = await fetch(link, { method: 'POST', redirect: 'manual' });
    assert.equal(posted.status, 403, 'the Connect button is refused without the sign-in session too');

    await browser.page.goto(link);
    assert.match(await browser.page.locator('body').innerText(), /alice/);
    await browser.page.click('button[type=submit]');
    await browser.page.fill('#user', 'alice-at-github');
    await browser.page.click('#approve');
    await browser.page.waitForSelector('text=Connected gh');
    const result = await client.callTool({ name: 'gh__whoami', arguments: {} });
    assert.ok(!result.isError, text(result));
    assert.equal((JSON.parse(text(result)) as { client: string }).client, 'alice-at-github');
  });
});
