/**
 * GET/DELETE /v1/me/connections over real HTTP, with `per_user_secret` backends (a Redis hash and a folder) in
 * front of a real upstream: each user sees their own connections only, never a secret; a revoke drops the
 * secret and closes the user's upstream session, others keep theirs; operators see counts in /readyz and
 * /metrics, never a principal or a secret.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import type { Gateway } from '../../src/gateway.js';
import { FIXTURE, freePort, startGateway, startUpstream, stopProcess, text } from '../helpers/gateway.js';
import { scrape } from '../helpers/metrics.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from '../queue/redis-helpers.js';

const KEYS = { alice: 'alice-key-0123456789', bob: 'bob-key-0123456789ab', ops: 'ops-key-0123456789abc' };
const SECRETS = ['alice-in-redis', 'bob-in-redis', 'alice-file-token'];
let upstream: ChildProcess | undefined;
let gateway: Gateway | undefined;
let url: URL;
const prefix = testPrefix();
let redis: Redis;
let reachable = false;
const clients: Client[] = [];

before(async () => {
  reachable = await redisReachable();
  if (!reachable) return;
  redis = new Redis(REDIS_URL);
  const port = await freePort();
  upstream = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, { FIXTURE_NAME: 'hdr' });
  const folder = mkdtempSync(join(tmpdir(), 'my-connections-'));
  writeFileSync(join(folder, 'key_3Aalice'), 'alice-file-token\n');
  await redis.hset(`${prefix}:user-secrets:jira`, 'key:alice', SECRETS[0]!, 'key:bob', SECRETS[1]!);
  ({ gateway, url } = await startGateway(`gateway:
  redis: { url: "${REDIS_URL}", prefix: ${prefix} }
  auth:
    api_keys:
      - { name: alice, key: "${KEYS.alice}" }
      - { name: bob, key: "${KEYS.bob}" }
      - { name: ops, key: "${KEYS.ops}", operator: true }
httpServices:
  jira:
    base_url: http://127.0.0.1:${port}/mcp
    auth: { type: per_user_secret }
  files:
    base_url: http://127.0.0.1:${port}/mcp
    auth: { type: per_user_secret, folder: ${folder} }
  plain:
    base_url: http://127.0.0.1:${port}/mcp
`));
});
after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await gateway?.close();
  if (upstream) await stopProcess(upstream);
  if (reachable) {
    await deleteKeys(prefix);
    redis.disconnect();
  }
});

const as = (key: string, init: RequestInit = {}) => ({
  ...init,
  headers: { authorization: `Bearer ${key}`, ...(init.headers as Record<string, string>) },
});

async function connections(key: string) {
  const res = await fetch(new URL('/v1/me/connections', url), as(key));
  const body = await res.text();
  assert.equal(res.status, 200, body);
  for (const s of [...SECRETS, ...Object.values(KEYS)]) assert.ok(!body.includes(s), 'no secret in the list');
  return JSON.parse(body) as { principal: string; connections: { backend: string; connected: boolean }[] };
}

const revoke = (key: string, backend: string) =>
  fetch(new URL(`/v1/me/connections/${backend}`, url), as(key, { method: 'DELETE' }));

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: 'my-connections', version: '1.0.0' });
  clients.push(client);
  const transport = new StreamableHTTPClientTransport(url, { requestInit: as(key) });
  await client.connect(transport);
  return client;
}

describe('/v1/me/connections', () => {
  it("lists the caller's own connections to the backends acting as each user, without secrets", async (t) => {
    if (!requireRedis(t, reachable)) return;
    const alice = await connections(KEYS.alice);
    assert.equal(alice.principal, 'key:alice');
    assert.deepEqual(alice.connections, [
      { backend: 'jira', mode: 'per_user_secret', connected: true },
      { backend: 'files', mode: 'per_user_secret', connected: true },
    ]);
    const bob = await connections(KEYS.bob);
    assert.equal(bob.principal, 'key:bob');
    assert.deepEqual(
      bob.connections.map((c) => [c.backend, c.connected]),
      [
        ['jira', true],
        ['files', false],
      ],
    );
  });

  it("revokes: drops the caller's secret and upstream session; the next call says where to store one", async (t) => {
    if (!requireRedis(t, reachable)) return;
    const [alice, bob] = await Promise.all([connect(KEYS.alice), connect(KEYS.bob)]);
    for (const c of [alice, bob])
      assert.ok(!(await c.callTool({ name: 'jira__headers', arguments: {} })).isError);
    const sessions = gateway!.pool.get('jira')!.clientSessions!;
    assert.ok(sessions.has('key:alice') && sessions.has('key:bob'));

    const res = await revoke(KEYS.alice, 'jira');
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { backend: 'jira', revoked: true });
    assert.ok(!sessions.has('key:alice'), "alice's upstream session is closed");
    assert.ok(sessions.has('key:bob'), "bob's is not");
    assert.equal(await redis.hget(`${prefix}:user-secrets:jira`, 'key:alice'), null);
    assert.equal(await redis.hget(`${prefix}:user-secrets:jira`, 'key:bob'), SECRETS[1]);
    assert.equal((await connections(KEYS.alice)).connections[0]!.connected, false);
    assert.equal((await connections(KEYS.bob)).connections[0]!.connected, true);

    const after = await alice.callTool({ name: 'jira__headers', arguments: {} });
    assert.equal(after.isError, true);
    assert.match(
      text(after),
      /needs a personal secret for principal key:alice: store it with redis-cli HSET/,
    );
    assert.ok(!(await bob.callTool({ name: 'jira__headers', arguments: {} })).isError);

    const again = await revoke(KEYS.alice, 'jira');
    assert.deepEqual(await again.json(), { backend: 'jira', revoked: false });
  });

  it('answers what it cannot do with a precise problem', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const files = await revoke(KEYS.alice, 'files');
    assert.equal(files.status, 409);
    const filesBody = (await files.json()) as { code: string; detail: string };
    assert.equal(filesBody.code, 'not_revocable');
    assert.match(
      filesBody.detail,
      /reads personal secrets from files in .* which the gateway does not remove/,
    );
    const plain = await revoke(KEYS.alice, 'plain');
    assert.equal(plain.status, 404);
    assert.match(((await plain.json()) as { detail: string }).detail, /"plain" does not act as each user/);
    const unknown = await revoke(KEYS.alice, 'nope');
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { code: string }).code, 'unknown_backend');
    const anonymous = await fetch(new URL('/v1/me/connections', url));
    assert.equal(anonymous.status, 401);
    const post = await fetch(new URL('/v1/me/connections', url), as(KEYS.alice, { method: 'POST' }));
    assert.equal(post.status, 405);
  });

  it('is described in the OpenAPI document', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const doc = (await (await fetch(new URL('/openapi.json', url), as(KEYS.alice))).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    assert.equal(doc.paths['/v1/me/connections']!.get!.operationId, 'listMyConnections');
    assert.equal(doc.paths['/v1/me/connections/{backend}']!.delete!.operationId, 'revokeMyConnection');
  });

  it('shows operators counts per backend in /readyz and /metrics, never who or what', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const ready = await fetch(new URL('/readyz', url), as(KEYS.ops));
    const body = await ready.text();
    const backends = (JSON.parse(body) as { backends: Record<string, { users?: unknown }> }).backends;
    // alice's Redis secret was revoked above: bob's is left; the folder holds alice's file.
    assert.deepEqual(backends.jira!.users, { mode: 'per_user_secret', connected: 1, sessions: 1 });
    assert.deepEqual(backends.files!.users, { mode: 'per_user_secret', connected: 1, sessions: 0 });
    assert.equal(backends.plain!.users, undefined);
    for (const s of [...SECRETS, 'key:alice', 'key:bob']) assert.ok(!body.includes(s), `${s} not in /readyz`);
    const metrics = await scrape(url, { authorization: `Bearer ${KEYS.ops}` });
    assert.equal(metrics.value('switchboard_user_connections', { backend: 'jira' }), 1);
    assert.equal(metrics.value('switchboard_user_connections', { backend: 'files' }), 1);
    assert.equal(metrics.value('switchboard_user_sessions', { backend: 'jira' }), 1);
    assert.ok(!metrics.series('switchboard_user_connections').some((s) => s.labels.backend === 'plain'));
    for (const s of [...SECRETS, 'key:alice', 'key:bob']) assert.ok(!metrics.text.includes(s));
  });
});
