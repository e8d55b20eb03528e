/**
 * Sign-in refuses bad input with the RFC's answer and issues nothing: redirect URIs, PKCE, codes, resources,
 * refresh tokens, metadata documents, the identity provider being down, users outside the allow-list, consent
 * forms. Real gateway, real identity provider, Chromium for the steps a user does.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import {
  browserAuthorize,
  Callbacks,
  chromiumMissing,
  launchBrowser,
  startSignInStack,
  type SignInStack,
} from './helpers.js';

const skip = chromiumMissing('the sign-in bad-input tests');

interface Registered {
  client_id: string;
  redirect: string;
}

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

describe('sign-in refuses bad input', { skip }, () => {
  let stack: SignInStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const callbacks = new Callbacks();

  before(async () => {
    await callbacks.start();
    stack = await startSignInStack({
      signIn: '      allow: { email_domains: [example.com] }\n',
    });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await stack?.close();
    await callbacks.close();
  });

  const register = async (name: string): Promise<Registered> => {
    const redirect = callbacks.uri(name);
    const res = await fetch(`${stack.base}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: name,
        redirect_uris: [redirect],
        token_endpoint_auth_method: 'none',
      }),
    });
    assert.equal(res.status, 201);
    return { ...((await res.json()) as { client_id: string }), redirect };
  };

  const authorizeUrl = (c: { client_id: string; redirect: string }, extra: Record<string, string> = {}) => {
    const u = new URL(`${stack.base}/oauth/authorize`);
    u.search = new URLSearchParams({
      client_id: c.client_id,
      redirect_uri: c.redirect,
      response_type: 'code',
      state: 'st-1',
      scope: 'mcp',
      ...extra,
    }).toString();
    return u;
  };

  /** A code obtained through the browser (login and consent), with its verifier. */
  const code = async (c: Registered, user = 'alice') => {
    const p = pkce();
    const q = await browserAuthorize(
      browser.page,
      callbacks,
      authorizeUrl(c, { code_challenge: p.challenge, code_challenge_method: 'S256' }),
      c.redirect,
      { user },
    );
    return { q, verifier: p.verifier };
  };

  const token = async (params: Record<string, string>) => {
    const res = await fetch(`${stack.base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };

  /** POSTs a bare ping to /mcp: 401 when the token is refused, something else (400: no session) once it passed. */
  const ping = (accessToken: string) =>
    fetch(stack.mcp, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${accessToken}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });

  it('refuses an unregistered redirect_uri with an error page, not a redirect', async () => {
    const c = await register('redirect-check');
    const p = pkce();
    const res = await fetch(
      authorizeUrl(
        { ...c, redirect: 'http://127.0.0.1:9/evil' },
        { code_challenge: p.challenge, code_challenge_method: 'S256' },
      ),
      { redirect: 'manual' },
    );
    assert.equal(res.status, 400);
    assert.equal(res.headers.get('location'), null);
    assert.match(await res.text(), /invalid_redirect_uri/);
  });

  it('refuses an authorization request without PKCE, or with plain PKCE', async () => {
    const c = await register('pkce-check');
    const requests: Record<string, string>[] = [
      {},
      { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' },
    ];
    for (const extra of requests) {
      const res = await fetch(authorizeUrl(c, extra), { redirect: 'manual' });
      assert.equal(res.status, 303);
      const loc = new URL(res.headers.get('location')!);
      assert.equal(loc.origin + loc.pathname, c.redirect);
      assert.equal(loc.searchParams.get('error'), 'invalid_request');
      assert.match(loc.searchParams.get('error_description')!, /code_challenge|PKCE|plain|S256/i);
      assert.equal(loc.searchParams.get('code'), null);
    }
  });

  it('refuses a resource that is not this gateway', async () => {
    const c = await register('resource-check');
    const p = pkce();
    const res = await fetch(
      authorizeUrl(c, {
        code_challenge: p.challenge,
        code_challenge_method: 'S256',
        resource: 'https://other.example/mcp',
      }),
      { redirect: 'manual' },
    );
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.searchParams.get('error'), 'invalid_target');
  });

  it('exchanges a code once, for its own client, with its own verifier; a replay revokes what it gave', async () => {
    const c = await register('code-check');
    const other = await register('code-thief');
    await browser.context.clearCookies();
    const { q, verifier } = await code(c);
    const codeValue = q.get('code')!;
    const base = { grant_type: 'authorization_code', code: codeValue, redirect_uri: c.redirect };

    const wrongVerifier = await token({ ...base, client_id: c.client_id, code_verifier: pkce().verifier });
    assert.equal(wrongVerifier.status, 400);
    assert.equal(wrongVerifier.body.error, 'invalid_grant');
    const noVerifier = await token({ ...base, client_id: c.client_id });
    assert.equal(noVerifier.body.error, 'invalid_grant');
    const stolen = await token({
      ...base,
      client_id: other.client_id,
      code_verifier: verifier,
      redirect_uri: other.redirect,
    });
    assert.equal(stolen.body.error, 'invalid_grant');

    const ok = await token({ ...base, client_id: c.client_id, code_verifier: verifier });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.notEqual((await ping(ok.body.access_token!)).status, 401);

    const replay = await token({ ...base, client_id: c.client_id, code_verifier: verifier });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    assert.equal(
      (await ping(ok.body.access_token!)).status,
      401,
      'the replay revoked the tokens of that code',
    );
    const refresh = await token({
      grant_type: 'refresh_token',
      refresh_token: ok.body.refresh_token!,
      client_id: c.client_id,
    });
    assert.equal(refresh.body.error, 'invalid_grant');
  });

  it('refuses an expired code', async (t) => {
    const c = await register('code-expiry');
    await browser.context.clearCookies();
    const { q, verifier } = await code(c);
    // The gateway runs in this process: its clock (not the test's timers) moves past the code's 60 s life.
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() });
    t.mock.timers.tick(61_000);
    const late = await token({
      grant_type: 'authorization_code',
      code: q.get('code')!,
      redirect_uri: c.redirect,
      client_id: c.client_id,
      code_verifier: verifier,
    });
    t.mock.timers.reset();
    assert.equal(late.status, 400);
    assert.equal(late.body.error, 'invalid_grant');
  });

  it('checks Host on every sign-in route, and Origin on its pages', async () => {
    // fetch() cannot set Host: a plain request can.
    const status = (path: string, headers: Record<string, string>) =>
      new Promise<number>((res, rej) =>
        request(`${stack.base}${path}`, { headers }, (r) => {
          r.resume();
          res(r.statusCode ?? 0);
        })
          .on('error', rej)
          .end(),
      );
    for (const path of [
      '/.well-known/oauth-authorization-server',
      '/oauth/jwks',
      '/oauth/consents',
      '/oauth/callback',
    ])
      assert.equal(await status(path, { host: 'evil.example' }), 403, path);
    const page = await fetch(`${stack.base}/oauth/consents`, { headers: { origin: 'https://evil.example' } });
    assert.equal(page.status, 403);
    // Metadata and JWKS are for browser-based clients too: any Origin reads them.
    const meta = await fetch(`${stack.base}/.well-known/oauth-authorization-server`, {
      headers: { origin: 'http://localhost:6274' },
    });
    assert.equal(meta.status, 200);
    assert.equal(meta.headers.get('access-control-allow-origin'), 'http://localhost:6274');
  });

  it('revokes the whole family when a rotated refresh token is used again', async () => {
    const c = await register('refresh-reuse');
    await browser.context.clearCookies();
    const { q, verifier } = await code(c);
    const first = await token({
      grant_type: 'authorization_code',
      code: q.get('code')!,
      redirect_uri: c.redirect,
      client_id: c.client_id,
      code_verifier: verifier,
    });
    const rotated = await token({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token!,
      client_id: c.client_id,
    });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.notEqual(rotated.body.refresh_token, first.body.refresh_token);
    assert.notEqual((await ping(rotated.body.access_token!)).status, 401);

    const reuse = await token({
      grant_type: 'refresh_token',
      refresh_token: first.body.refresh_token!,
      client_id: c.client_id,
    });
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    const next = await token({
      grant_type: 'refresh_token',
      refresh_token: rotated.body.refresh_token!,
      client_id: c.client_id,
    });
    assert.equal(next.body.error, 'invalid_grant', 'the newer refresh token died with its family');
    assert.equal((await ping(rotated.body.access_token!)).status, 401, 'and so did its access token');
  });

  it('refuses a revoked refresh token', async () => {
    const c = await register('refresh-revoked');
    await browser.context.clearCookies();
    const { q, verifier } = await code(c);
    const t = await token({
      grant_type: 'authorization_code',
      code: q.get('code')!,
      redirect_uri: c.redirect,
      client_id: c.client_id,
      code_verifier: verifier,
    });
    const revoke = await fetch(`${stack.base}/oauth/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: t.body.refresh_token!, client_id: c.client_id }),
    });
    assert.equal(revoke.status, 200);
    const again = await token({
      grant_type: 'refresh_token',
      refresh_token: t.body.refresh_token!,
      client_id: c.client_id,
    });
    assert.equal(again.body.error, 'invalid_grant');
  });

  it('refuses a user outside the allowed email domains: the client gets access_denied', async () => {
    const c = await register('allow-list');
    await browser.context.clearCookies();
    const { q } = await code(c, 'bob');
    assert.equal(q.get('error'), 'access_denied');
    assert.match(q.get('error_description')!, /bob may not sign in here/);
    assert.equal(q.get('code'), null);
    const refused = stack.gateway.audit.recent({ kind: 'sign_in', outcome: 'refused' }, 1)[0];
    assert.deepEqual(refused?.principal, { kind: 'user', id: 'bob' });
    assert.match(refused?.error ?? '', /bob may not sign in here/);
  });

  it('answers a denied consent with access_denied', async () => {
    const c = await register('deny');
    await browser.context.clearCookies();
    const p = pkce();
    const q = await browserAuthorize(
      browser.page,
      callbacks,
      authorizeUrl(c, { code_challenge: p.challenge, code_challenge_method: 'S256' }),
      c.redirect,
      { decision: 'deny' },
    );
    assert.equal(q.get('error'), 'access_denied');
    assert.equal(q.get('code'), null);
  });

  it('refuses a consent form with a wrong CSRF token or from a foreign origin', async () => {
    const c = await register('csrf');
    await browser.context.clearCookies();
    const p = pkce();
    await browser.page.goto(
      authorizeUrl(c, { code_challenge: p.challenge, code_challenge_method: 'S256' }).href,
    );
    await browser.page.fill('input[name=username]', 'alice');
    await browser.page.fill('input[name=password]', 'alice-pass');
    await Promise.all([
      browser.page.waitForNavigation(),
      browser.page.click('button[type=submit]:not([name=cancel])'),
    ]);
    await browser.page.locator('button[value=allow]').waitFor();
    await browser.page.locator('input[name=csrf]').evaluate((el) => el.setAttribute('value', 'forged'));
    const [res] = await Promise.all([
      browser.page.waitForNavigation(),
      browser.page.click('button[value=allow]'),
    ]);
    assert.equal(res?.status(), 403);
    // The same form posted by another site: refused before it is read.
    const action = new URL(browser.page.url());
    const foreign = await fetch(`${action.origin}${action.pathname}`, {
      method: 'POST',
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'decision=allow&csrf=x',
    });
    assert.equal(foreign.status, 403);
  });

  it('refuses metadata documents that are unreachable, too large, or do not list the redirect URI', async () => {
    const redirect = callbacks.uri('cimd-bad');
    const p = pkce();
    const doc = (path: string, body: Record<string, unknown>) =>
      stack.documents.set(path, JSON.stringify({ client_id: `${stack.documentsBase}${path}`, ...body }));
    doc('/c/other-redirect.json', {
      redirect_uris: ['http://127.0.0.1:9/elsewhere'],
      token_endpoint_auth_method: 'none',
    });
    doc('/c/huge.json', {
      redirect_uris: [redirect],
      token_endpoint_auth_method: 'none',
      padding: 'x'.repeat(10_000),
    });
    doc('/c/wrong-id.json', { client_id: 'https://someone.else/c.json', redirect_uris: [redirect] });
    const cases: [string, RegExp][] = [
      [`${stack.documentsBase}/c/missing.json`, /invalid_client/],
      ['https://127.0.0.1:9/c/refused.json', /invalid_client/],
      [`${stack.documentsBase}/c/huge.json`, /invalid_client/],
      [`${stack.documentsBase}/c/wrong-id.json`, /invalid_client/],
      [`${stack.documentsBase}/c/other-redirect.json`, /invalid_redirect_uri/],
    ];
    for (const [id, expected] of cases) {
      const res = await fetch(
        authorizeUrl(
          { client_id: id, redirect },
          { code_challenge: p.challenge, code_challenge_method: 'S256' },
        ),
        {
          redirect: 'manual',
        },
      );
      assert.equal(res.status, 400, id);
      assert.equal(res.headers.get('location'), null, id);
      assert.match(await res.text(), expected, id);
    }
  });

  it('shows a clear page (503) when the identity provider is down', async () => {
    const down = await startSignInStack();
    try {
      await down.idp.stop();
      const c = await (async () => {
        const redirect = callbacks.uri('idp-down');
        const res = await fetch(`${down.base}/oauth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [redirect], token_endpoint_auth_method: 'none' }),
        });
        return { ...((await res.json()) as { client_id: string }), redirect };
      })();
      const p = pkce();
      const u = new URL(`${down.base}/oauth/authorize`);
      u.search = new URLSearchParams({
        client_id: c.client_id,
        redirect_uri: c.redirect,
        response_type: 'code',
        code_challenge: p.challenge,
        code_challenge_method: 'S256',
      }).toString();
      const res = await browser.page.goto(u.href);
      assert.equal(res?.status(), 503);
      assert.match(await browser.page.locator('main').innerText(), /identity provider is not answering/);
      const csp = res?.headers()['content-security-policy'] ?? '';
      assert.match(csp, /default-src 'none'/);
    } finally {
      await down.close();
    }
  });
});
