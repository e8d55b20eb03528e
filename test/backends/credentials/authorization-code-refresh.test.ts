/**
 * `auth: authorization_code` over time and across replicas: users connecting ahead of time over REST
 * (POST /v1/me/connections/{backend}), refresh ahead of expiry, a revoked refresh token or an upstream 401
 * asking the user again (once), and a grant made through one replica used on another (Redis), the client
 * told on the replica it is connected to.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ProtocolError, type Client } from '@modelcontextprotocol/client';
import type { Gateway } from '../../../src/gateway.js';
import { AuthorizationServer } from '../../fixtures/oauth/authorization-server.js';
import { ProtectedUpstream } from '../../fixtures/oauth/protected-upstream.js';
import { startGateway, text, waitFor } from '../../helpers/gateway.js';
import {
  deleteKeys,
  redisReachable,
  REDIS_URL,
  requireRedis,
  testPrefix,
} from '../../queue/redis-helpers.js';
import { approve, captureLogs, userClient } from './connect-helpers.js';

const SECRET = 'gateway-code-secret-4567';
const STORE_KEY = randomBytes(32).toString('base64');
const KEYS: Record<string, string> = {};
for (const name of ['rita', 'sam', 'tom', 'uma', 'vic'])
  KEYS[name] = `${name}-key-${randomBytes(8).toString('hex')}`;

let as: AuthorizationServer;
let upstream: ProtectedUpstream;
const gateways: Gateway[] = [];
const clients: Client[] = [];
const logs = captureLogs();

function config(extra = ''): string {
  const keys = Object.entries(KEYS)
    .map(([name, key]) => `      - { name: ${name}, key: "${key}" }`)
    .join('\n');
  return `gateway:
${extra}  auth:
    api_keys:
${keys}
  credentials:
    keys: ["${STORE_KEY}"]
httpServices:
  gh:
    base_url: ${upstream.mcpUrl}
    auth:
      type: authorization_code
      client_id: gateway
      client_secret: ${SECRET}
      authorization_endpoint: ${as.issuer}/authorize
      token_endpoint: ${as.tokenEndpoint}
      resource: ${upstream.mcpUrl}
`;
}

async function start(extra = ''): Promise<{ gateway: Gateway; url: URL }> {
  const started = await startGateway(config(extra));
  gateways.push(started.gateway);
  const uris = as.codes.redirectUris.get('gateway') ?? [];
  as.codes.redirectUris.set('gateway', [...uris, `${started.url.origin}/connect/callback`]);
  return started;
}

before(async () => {
  as = await new AuthorizationServer().start();
  as.clients.set('gateway', { secret: SECRET });
  upstream = await new ProtectedUpstream(as).start();
});

after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const g of gateways) await g.close();
  await upstream?.stop();
  await as?.stop();
  logs.stop();
});

async function client(url: URL, user: string, capable = true): Promise<Client> {
  const c = await userClient(url, KEYS[user]!, { url: capable });
  clients.push(c);
  return c;
}

/** The tool call as a whoami answer, or the JSON-RPC error code it failed with. */
async function call(
  c: Client,
): Promise<{ client: string; jti: string } | { code: number; message: string; data: unknown }> {
  try {
    const result = await c.callTool({ name: 'gh__whoami', arguments: {} });
    assert.ok(!result.isError, text(result));
    return JSON.parse(text(result)) as { client: string; jti: string };
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return { code: err.code, message: err.message, data: err.data };
  }
}

/** Connects the user ahead of time over REST, as a client that cannot open URLs would have them do. */
async function connectAhead(url: URL, user: string): Promise<void> {
  const res = await fetch(`${url.origin}/v1/me/connections/gh`, {
    method: 'POST',
    headers: { 'x-api-key': KEYS[user]! },
  });
  const body = (await res.json()) as { authorization_url: string };
  assert.equal(res.status, 201, JSON.stringify(body));
  assert.equal((await approve(body.authorization_url, user)).status, 200);
}

describe('an authorization_code backend over time', () => {
  let url: URL;
  before(async () => {
    ({ url } = await start());
  });

  it('is refused over REST with 403 naming the page, and connected ahead of time with POST /v1/me/connections/{backend}', async () => {
    const call = () =>
      fetch(`${url.origin}/v1/tools/gh__whoami/call`, {
        method: 'POST',
        headers: { 'x-api-key': KEYS.rita!, 'content-type': 'application/json' },
        body: '{}',
      });
    const refused = await call();
    const problem = (await refused.json()) as { code: string; detail: string };
    assert.equal(refused.status, 403);
    assert.equal(problem.code, 'user_credentials');
    assert.match(problem.detail, new RegExp(`open ${url.origin}/connect/`));
    const unknown = await fetch(`${url.origin}/v1/me/connections/nope`, {
      method: 'POST',
      headers: { 'x-api-key': KEYS.rita! },
    });
    assert.equal(unknown.status, 404);
    assert.equal((await fetch(`${url.origin}/v1/me/connections/gh`, { method: 'POST' })).status, 401);
    const openapi = (await (
      await fetch(`${url.origin}/openapi.json`, { headers: { 'x-api-key': KEYS.rita! } })
    ).json()) as {
      paths: Record<string, { post?: { operationId: string } }>;
    };
    assert.equal(openapi.paths['/v1/me/connections/{backend}']?.post?.operationId, 'startConnection');
    await connectAhead(url, 'rita');
    const ok = await call();
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /rita/);
    const mine = async () =>
      (await (
        await fetch(`${url.origin}/v1/me/connections`, { headers: { 'x-api-key': KEYS.rita! } })
      ).json()) as {
        connections: { backend: string; mode: string; connected: boolean }[];
      };
    const listed = (await mine()).connections.find((c) => c.backend === 'gh');
    assert.deepEqual([listed?.mode, listed?.connected], ['authorization_code', true]);
    const revoked = await fetch(`${url.origin}/v1/me/connections/gh`, {
      method: 'DELETE',
      headers: { 'x-api-key': KEYS.rita! },
    });
    assert.equal(revoked.status, 200);
    assert.equal((await mine()).connections.find((c) => c.backend === 'gh')?.connected, false);
    assert.equal((await call()).status, 403, 'asked again after the revoke');
  });

  it('refreshes the access token ahead of its expiry, with the refresh token, without asking the user', async () => {
    as.ttlSeconds = 4;
    try {
      await connectAhead(url, 'sam');
      const c = await client(url, 'sam');
      const first = await call(c);
      assert.ok('jti' in first && first.client === 'sam', JSON.stringify(first));
      const refusalsBefore = upstream.refusals.length;
      const jtis = new Set([first.jti]);
      // Four calls at a time: whichever of them meets the refresh window, the grant is refreshed once.
      await waitFor(
        async () => {
          const batch = await Promise.all([1, 2, 3, 4].map(() => call(c)));
          for (const r of batch) {
            assert.ok('jti' in r && r.client === 'sam', JSON.stringify(r));
            jtis.add(r.jti);
          }
          return jtis.size > 1;
        },
        30_000,
        'a new access token',
      );
      const refreshes = as.codes.grants.filter(
        (g) => g.grantType === 'refresh_token' && g.user === 'sam' && !g.error,
      );
      assert.equal(refreshes.length, jtis.size - 1, 'one refresh per new token, never two at once');
      assert.equal(upstream.refusals.length, refusalsBefore, 'before the old token expired: never refused');
    } finally {
      as.ttlSeconds = 3600;
    }
  });

  it('asks again, once, when the refresh token was revoked', async () => {
    as.ttlSeconds = 4;
    try {
      await connectAhead(url, 'tom');
      const c = await client(url, 'tom');
      as.codes.revokeRefreshTokens('tom');
      const asked = await waitFor(
        async () => {
          const r = await call(c);
          return 'code' in r && r;
        },
        30_000,
        'asked again when the refresh is refused',
      );
      assert.ok(asked && asked.code === -32042, JSON.stringify(asked));
      assert.ok(as.codes.grants.some((g) => g.grantType === 'refresh_token' && g.error === 'invalid_grant'));
      const { elicitations } = (asked as { data: { elicitations: { url: string }[] } }).data;
      assert.equal((await approve(elicitations[0]!.url, 'tom')).status, 200);
      const again = await call(c);
      assert.ok('jti' in again && again.client === 'tom', JSON.stringify(again));
    } finally {
      as.ttlSeconds = 3600;
    }
  });

  it('drops a grant the upstream refuses (401) and asks again, and a second refusal is an error, not a loop', async () => {
    await connectAhead(url, 'uma');
    const c = await client(url, 'uma');
    assert.ok('jti' in (await call(c)));
    upstream.revokeAll();
    const asked = await call(c);
    assert.ok('code' in asked && asked.code === -32042, JSON.stringify(asked));
    const { elicitations } = asked.data as { elicitations: { url: string }[] };
    assert.equal((await approve(elicitations[0]!.url, 'uma')).status, 200);
    const back = await call(c);
    assert.ok('jti' in back && back.client === 'uma', JSON.stringify([back, upstream.refusals]));
    upstream.revokeAll();
    const refused = await c.callTool({ name: 'gh__whoami', arguments: {} });
    assert.equal(refused.isError, true, 'a tool error the model can read, not another elicitation');
    assert.match(text(refused), /refused the token its authorization server granted again/);
  });
});

describe('an authorization_code backend with gateway.redis', () => {
  const prefix = testPrefix();
  after(() => deleteKeys(prefix));

  it('finishes on one replica a flow another began, tells the client there, and the other replica uses the grant', async (t) => {
    if (!requireRedis(t, await redisReachable())) return;
    const redis = `  redis: { url: "${REDIS_URL}", prefix: ${prefix} }\n`;
    const a = await start(redis);
    const b = await start(redis);
    const onA = await client(a.url, 'vic');
    const completed: string[] = [];
    onA.setNotificationHandler('notifications/elicitation/complete', (n) => {
      completed.push(n.params.elicitationId);
    });
    const asked = await call(onA);
    assert.ok('code' in asked && asked.code === -32042, JSON.stringify(asked));
    const [e] = (asked.data as { elicitations: { url: string; elicitationId: string }[] }).elicitations;
    const page = new URL(e!.url);
    assert.equal(page.origin, a.url.origin);
    const onB = `${b.url.origin}${page.pathname}`;
    assert.equal((await approve(onB, 'vic')).status, 200, 'replica B serves a page replica A handed out');
    await waitFor(
      () => completed.includes(e!.elicitationId),
      20_000,
      'the client on A hears elicitation/complete',
    );
    const first = await call(onA);
    const second = await call(await client(b.url, 'vic'));
    assert.ok('jti' in first && 'jti' in second, JSON.stringify([first, second]));
    assert.equal(first.client, 'vic');
    assert.equal(first.jti, second.jti, 'replica B uses the grant from Redis');
  });
});

describe('what the log says', () => {
  it('names refusals and refreshes, never a connect link, code or token', () => {
    const logged = logs.text();
    assert.match(logged, /REST request refused/);
    assert.match(logged, /refreshed a user grant/);
    assert.deepEqual(
      [...logged.matchAll(/\/connect\/([A-Za-z0-9_-]{20,})/g)].map((m) => m[1]),
      [],
    );
    for (const s of [...as.codes.secrets, ...upstream.tokens]) assert.ok(!logged.includes(s));
  });
});
