/**
 * `auth: per_user_secret` end to end: each user's calls go on their own upstream session carrying their
 * personal secret from a folder of files (as a mounted Kubernetes Secret gives) or a Redis hash; the catalog is
 * listed with catalog_secret; a user without a secret gets an error naming where to store one, never a secret.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Client,
  SSEClientTransport,
  StreamableHTTPClientTransport,
  type Transport,
} from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { WebSocketClientTransport } from '../../../src/frontends/ws-client.js';
import type { Gateway } from '../../../src/gateway.js';
import { FIXTURE, freePort, startGateway, startUpstream, stopProcess, text } from '../../helpers/gateway.js';

const KEYS = { alice: 'alice-key-0123456789', bob: 'bob-key-0123456789ab', carol: 'carol-key-0123456789' };
let upstream: ChildProcess;
let gateway: Gateway;
let url: URL;
let folder: string;
const prefix = `sb-test-${randomUUID()}`;
const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
const clients: Client[] = [];

before(async () => {
  const port = await freePort();
  upstream = await startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, { FIXTURE_NAME: 'hdr' });
  folder = mkdtempSync(join(tmpdir(), 'user-secrets-'));
  writeFileSync(join(folder, 'key_3Aalice'), 'alice-personal-token\n');
  writeFileSync(join(folder, 'key_3Abob'), 'bob-personal-token');
  await redis.connect();
  await redis.hset(`${prefix}:user-secrets:viaredis`, 'key:alice', 'alice-in-redis');
  const apiKeys = Object.entries(KEYS)
    .map(([name, key]) => `      - { name: ${name}, key: "${key}" }`)
    .join('\n');
  ({ gateway, url } = await startGateway(`gateway:
  redis: { url: "redis://127.0.0.1:6379", prefix: ${prefix} }
  auth:
    api_keys:
${apiKeys}
httpServices:
  files:
    base_url: http://127.0.0.1:${port}/mcp
    auth: { type: per_user_secret, header: X-Personal-Token, prefix: "token ", folder: ${folder}, catalog_secret: catalog-secret-0123 }
  viaredis:
    base_url: http://127.0.0.1:${port}/mcp
    auth: { type: per_user_secret }
`));
});
after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await gateway?.close();
  if (upstream) await stopProcess(upstream);
  await redis.del(`${prefix}:user-secrets:viaredis`);
  redis.disconnect();
});

async function connect(key: string): Promise<Client> {
  const client = new Client({ name: 'per-user-secret', version: '1.0.0' });
  clients.push(client);
  const headers = { authorization: `Bearer ${key}` };
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

const headersSeen = async (client: Client, tool: string) =>
  JSON.parse(text(await client.callTool({ name: tool, arguments: {} }))) as Record<string, string>;

describe('a per_user_secret backend', () => {
  it('sends each user their own secret from the folder, in parallel, on their own upstream session', async () => {
    const [alice, bob] = await Promise.all([connect(KEYS.alice), connect(KEYS.bob)]);
    const [a, b] = await Promise.all([
      headersSeen(alice, 'files__headers'),
      headersSeen(bob, 'files__headers'),
    ]);
    assert.equal(a['x-personal-token'], 'token alice-personal-token');
    assert.equal(b['x-personal-token'], 'token bob-personal-token');
    assert.notEqual(a['mcp-session-id'], b['mcp-session-id'], 'one upstream session per user');
    assert.equal(a.authorization, undefined, "the caller's own credential is not forwarded");
    assert.equal(gateway.pool.get('files')!.clientSessions!.size, 2);
  });

  it('reads secrets from the Redis hash without a folder', async () => {
    const alice = await connect(KEYS.alice);
    assert.equal((await headersSeen(alice, 'viaredis__headers')).authorization, 'alice-in-redis');
  });

  it('answers a user without a secret with where to store it, never a secret', async () => {
    const carol = await connect(KEYS.carol);
    const fromFiles = await carol.callTool({ name: 'files__headers', arguments: {} });
    assert.equal(fromFiles.isError, true);
    assert.match(
      text(fromFiles),
      /backend "files" needs a personal secret for principal key:carol: store it in the file .*key_3Acarol/,
    );
    const fromRedis = await carol.callTool({ name: 'viaredis__headers', arguments: {} });
    assert.equal(fromRedis.isError, true);
    assert.match(text(fromRedis), new RegExp(`redis-cli HSET ${prefix}:user-secrets:viaredis 'key:carol'`));
    assert.ok(!/personal-token|in-redis|catalog-secret/.test(text(fromFiles) + text(fromRedis)));
  });
});

describe('a per_user_secret backend behind every front that knows the user', () => {
  const fronts: Record<string, (key: string) => Transport> = {
    WebSocket: (key) => new WebSocketClientTransport(new URL('/ws', url), { headers: { 'x-api-key': key } }),
    'legacy SSE': (key) =>
      new SSEClientTransport(new URL('/sse', url), { requestInit: { headers: { 'x-api-key': key } } }),
  };
  for (const [front, transport] of Object.entries(fronts)) {
    it(`over ${front}: two users in parallel, each seen upstream with their own secret`, async () => {
      const [alice, bob] = await Promise.all(
        [KEYS.alice, KEYS.bob].map(async (key) => {
          const client = new Client({ name: `per-user-${front}`, version: '1.0.0' });
          clients.push(client);
          await client.connect(transport(key));
          return client;
        }),
      );
      const [a, b] = await Promise.all([
        headersSeen(alice!, 'files__headers'),
        headersSeen(bob!, 'files__headers'),
      ]);
      assert.equal(a['x-personal-token'], 'token alice-personal-token');
      assert.equal(b['x-personal-token'], 'token bob-personal-token');
      assert.notEqual(a['mcp-session-id'], b['mcp-session-id'], 'one upstream session per user');
    });
  }

  it('over REST: each key calls as its own user', async () => {
    const call = async (key: string) => {
      const res = await fetch(new URL('/v1/tools/files__headers/call', url), {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(res.status, 200, await res.clone().text());
      return res.json() as Promise<{ content: { text: string }[] }>;
    };
    const [a, b] = await Promise.all([call(KEYS.alice), call(KEYS.bob)]);
    const seen = (r: { content: { text: string }[] }) =>
      JSON.parse(r.content[0]!.text) as Record<string, string>;
    assert.equal(seen(a)['x-personal-token'], 'token alice-personal-token');
    assert.equal(seen(b)['x-personal-token'], 'token bob-personal-token');
  });
});
