/**
 * `auth: authorization_code` end to end: a gateway with API-key users in front of a protected upstream whose
 * authorization server (the fixture, discovered from the upstream) grants by authorization code + PKCE. A user
 * without a grant is asked to open a connect page: URLElicitationRequiredError (-32042) and
 * notifications/elicitation/complete for 2025-11-25 clients, input_required with a URL elicitation for
 * 2026-07-28 ones, -32007 naming the page for clients that cannot open URLs; the retried call goes on the
 * user's own upstream session with their own token. The page is followed in Chromium too; codes and tokens
 * never reach a log, an error or /readyz.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ProtocolError, type Client } from '@modelcontextprotocol/client';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Gateway } from '../../../src/gateway.js';
import { chromiumMissing, launchBrowser } from '../../helpers/browser.js';
import { AuthorizationServer } from '../../fixtures/oauth/authorization-server.js';
import { ProtectedUpstream } from '../../fixtures/oauth/protected-upstream.js';
import { startGateway, text, waitFor } from '../../helpers/gateway.js';
import { approve, captureLogs, userClient } from './connect-helpers.js';

const SECRET = 'gateway-code-secret-0123';
const KEYS: Record<string, string> = {};
for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'gina', 'hank'])
  KEYS[name] = `${name}-key-${randomBytes(8).toString('hex')}`;
const noChromium = chromiumMissing('the connect page in Chromium');

let as: AuthorizationServer;
let upstream: ProtectedUpstream;
let gateway: Gateway;
let url: URL;
const clients: Client[] = [];
const logs = captureLogs();
const spans = new InMemorySpanExporter();

before(async () => {
  as = await new AuthorizationServer().start();
  as.clients.set('gateway', { secret: SECRET });
  upstream = await new ProtectedUpstream(as).start();
  const keys = Object.entries(KEYS)
    .map(
      ([name, key]) =>
        `      - { name: ${name}, key: "${key}"${name === 'alice' ? ', operator: true' : ''} }`,
    )
    .join('\n');
  ({ gateway, url } = await startGateway(
    `gateway:
  auth:
    api_keys:
${keys}
  credentials:
    keys: ["${randomBytes(32).toString('base64')}"]
httpServices:
  gh:
    base_url: ${upstream.mcpUrl}
    auth:
      type: authorization_code
      client_id: gateway
      client_secret: ${SECRET}
      scope: repo
sseServices:
  legacy:
    base_url: ${upstream.sseUrl}
    auth: { type: authorization_code, client_id: gateway, client_secret: ${SECRET} }
`,
    true,
    { tracing: { exporter: spans, processor: 'simple' } },
  ));
  as.codes.redirectUris.set('gateway', [`${url.origin}/connect/callback`]);
});

after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await gateway?.close();
  await upstream?.stop();
  await as?.stop();
  logs.stop();
});

async function connect(user: string, opts: { url?: boolean; modern?: boolean } = {}): Promise<Client> {
  const client = await userClient(url, KEYS[user]!, opts);
  clients.push(client);
  return client;
}

async function whoami(client: Client): Promise<{ client: string; jti: string }> {
  const result = await client.callTool({ name: 'gh__whoami', arguments: {} });
  assert.ok(!result.isError, text(result));
  return JSON.parse(text(result)) as { client: string; jti: string };
}

/** The -32042 a 2025 client gets for a user without a grant: its one URL elicitation. */
async function elicited(client: Client): Promise<{ url: string; elicitationId: string; message: string }> {
  const err = await client.callTool({ name: 'gh__whoami', arguments: {} }).then(
    (r) => assert.fail(`expected -32042, got ${text(r)}`),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ProtocolError, String(err));
  assert.equal(err.code, -32042, err.message);
  const [e] = (
    err.data as { elicitations: { mode: string; url: string; elicitationId: string; message: string }[] }
  ).elicitations;
  assert.equal(e!.mode, 'url');
  assert.match(e!.url, new RegExp(`^${url.origin}/connect/[A-Za-z0-9_-]{40,}$`));
  return e!;
}

describe('an authorization_code backend, 2025-11-25 sessions', () => {
  it('lists the catalog with the client’s own client-credentials token', async () => {
    const client = await connect('alice', { url: true });
    const { tools } = await client.listTools();
    assert.deepEqual(
      tools.map((t) => t.name).filter((n) => n.startsWith('gh__')),
      ['gh__whoami'],
    );
  });

  it('asks two users in parallel with -32042, tells each when they connected, and each is seen upstream as themself', async () => {
    const seen = await Promise.all(
      ['alice', 'bob'].map(async (user) => {
        const client = await connect(user, { url: true });
        const completed: string[] = [];
        client.setNotificationHandler('notifications/elicitation/complete', (n) => {
          completed.push(n.params.elicitationId);
        });
        const e = await elicited(client);
        const done = await approve(e.url, user);
        assert.equal(done.status, 200, done.html);
        assert.match(done.html, new RegExp(`Connected gh.*key:${user}`, 's'));
        await waitFor(
          () => completed.includes(e.elicitationId),
          20_000,
          `${user} hears elicitation/complete`,
        );
        const [first, second] = [await whoami(client), await whoami(client)];
        assert.equal(first.jti, second.jti, 'one grant used while fresh');
        return first.client;
      }),
    );
    assert.deepEqual(seen, ['alice', 'bob']);
    const pkce = as.codes.grants.filter((g) => g.grantType === 'authorization_code' && !g.error);
    assert.deepEqual(pkce.map((g) => g.user).sort(), ['alice', 'bob']);
    assert.deepEqual(as.codes.refusals, [], 'every authorization request carried PKCE S256');
  });

  it('acts as each user on a legacy SSE upstream too, its grant apart from the Streamable HTTP one', async () => {
    const client = await connect('alice', { url: true });
    const err = await client.callTool({ name: 'legacy__whoami', arguments: {} }).catch((e: unknown) => e);
    assert.ok(err instanceof ProtocolError && err.code === -32042, String(err));
    const [e] = (err.data as { elicitations: { url: string }[] }).elicitations;
    assert.equal((await approve(e!.url, 'alice-legacy')).status, 200);
    const result = await client.callTool({ name: 'legacy__whoami', arguments: {} });
    assert.ok(!result.isError, text(result));
    assert.equal((JSON.parse(text(result)) as { client: string }).client, 'alice-legacy');
    assert.equal((await whoami(client)).client, 'alice', 'the HTTP backend keeps its own grant');
  });

  it('answers a client that cannot open URLs with -32007 naming the page, which then connects it', async () => {
    const client = await connect('dave');
    const err = await client.callTool({ name: 'gh__whoami', arguments: {} }).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e as ProtocolError,
    );
    assert.equal(err.code, -32007);
    const data = err.data as { code: string; backend: string; url: string };
    assert.equal(data.code, 'user_credentials');
    assert.equal(data.backend, 'gh');
    assert.ok(err.message.includes(data.url), err.message);
    assert.equal((await approve(data.url, 'dave')).status, 200);
    assert.equal((await whoami(client)).client, 'dave');
  });

  it('shows a used or unknown page as expired, and refuses a callback from another browser', async () => {
    const client = await connect('erin');
    const err = (await client
      .callTool({ name: 'gh__whoami', arguments: {} })
      .catch((e: unknown) => e)) as ProtocolError;
    const page = (err.data as { url: string }).url;
    const confirmed = await fetch(page, { method: 'POST', redirect: 'manual' });
    assert.equal(confirmed.status, 303);
    assert.equal((await fetch(page)).status, 410, 'single use');
    assert.equal((await fetch(`${url.origin}/connect/not-a-page`)).status, 410);
    const authorize = new URL(confirmed.headers.get('location')!);
    const form = new URLSearchParams(authorize.searchParams);
    form.set('user', 'erin');
    form.set('decision', 'approve');
    const approved = await fetch(authorize.origin + authorize.pathname, {
      method: 'POST',
      body: form,
      redirect: 'manual',
    });
    const stolen = await fetch(approved.headers.get('location')!, {
      headers: { cookie: 'sb_connect=other' },
    });
    assert.equal(stolen.status, 400);
    assert.match(await stolen.text(), /started in another browser/);
    const evil = await fetch(page, { method: 'POST', headers: { origin: 'http://evil.example.com' } });
    assert.equal(evil.status, 403, 'the Origin check guards the Connect button');
  });

  it('names the OAuth error when the user denies, and asks again on the next call', async () => {
    const client = await connect('frank', { url: true });
    const e = await elicited(client);
    const denied = await approve(e.url, 'frank', 'deny');
    assert.equal(denied.status, 400);
    assert.match(denied.html, /access_denied/);
    await elicited(client);
  });
});

describe('an authorization_code backend, 2026-07-28 requests', () => {
  it('asks two users in parallel with input_required (URL elicitation); the retried calls succeed as each user', async () => {
    const users = ['carol', 'gina'];
    const seen = await Promise.all(
      users.map(async (user) => {
        const client = await connect(user, { url: true, modern: true });
        assert.equal(client.getProtocolEra(), 'modern');
        const asked: string[] = [];
        client.setRequestHandler('elicitation/create', async (req) => {
          assert.equal(req.params.mode, 'url');
          const page = (req.params as { url: string }).url;
          asked.push(page);
          assert.equal((await approve(page, user)).status, 200);
          return { action: 'accept' };
        });
        const who = await whoami(client);
        assert.equal(asked.length, 1, 'asked once');
        return who.client;
      }),
    );
    assert.deepEqual(seen, users);
  });

  it('answers a 2026-07-28 client that cannot open URLs with -32007 naming the page', async () => {
    const client = await connect('frank', { modern: true });
    assert.equal(client.getProtocolEra(), 'modern');
    const err = await client.callTool({ name: 'gh__whoami', arguments: {} }).then(
      () => assert.fail('expected an error'),
      (e: unknown) => e as ProtocolError,
    );
    assert.equal(err.code, -32007, err.message);
    assert.match(err.message, new RegExp(`open ${url.origin}/connect/`));
  });
});

describe('the connect page in Chromium', { skip: noChromium }, () => {
  it('shows the backend and the user, connects on Connect and Approve, and the retried call succeeds', async () => {
    const client = await connect('hank', { url: true });
    const browser = await launchBrowser({ timeoutMs: 30_000 });
    try {
      const e = await elicited(client);
      const { page } = browser;
      await page.goto(e.url);
      assert.match((await page.textContent('body')) ?? '', /key:hank.*gh|gh.*key:hank/s);
      await page.click('button[type=submit]');
      await page.fill('#user', 'hank');
      await page.click('#approve');
      await page.waitForSelector('text=Connected gh');
      assert.equal((await whoami(client)).client, 'hank');
    } finally {
      await browser.close();
    }
  });
});

describe('secrets', () => {
  it('never shows a code, refresh token or access token in logs, errors or /readyz', async () => {
    const readyz = await (
      await fetch(`${url.origin}/readyz`, { headers: { 'x-api-key': KEYS.alice! } })
    ).text();
    const logged = logs.text();
    assert.match(readyz, /"gh"/, 'the operator sees the backend');
    assert.match(logged, /user connected a backend/, 'the capture works');
    const pages = [...logged.matchAll(/\/connect\/([A-Za-z0-9_-]{20,})/g)].map((m) => m[1]);
    assert.deepEqual(pages, [], 'connect links are capabilities: never logged');
    assert.match(logged, /"path":"\/connect\/\[id\]"/, 'the refused Connect was logged, without its id');
    const statuses = spans.getFinishedSpans().map((s) => s.status.message ?? '');
    assert.ok(
      statuses.some((m) => m.includes('/connect/[id]')),
      'a call that asked for a connect page ended its span in error, its link hidden',
    );
    assert.deepEqual(
      statuses.filter((m) => /\/connect\/(?!\[id\])(?!callback)[A-Za-z0-9_-]{20,}/.test(m)),
      [],
      'connect links are capabilities: never in a span',
    );
    const secrets = [...as.codes.secrets, ...upstream.tokens];
    assert.ok(secrets.length >= 6);
    for (const s of secrets) {
      assert.ok(!logged.includes(s), 'not in the log');
      assert.ok(!readyz.includes(s), 'not in /readyz');
    }
  });
});
