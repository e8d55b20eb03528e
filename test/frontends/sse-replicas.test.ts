/** Legacy SSE across replicas: a POST /messages landing on a replica that does not hold the stream is forwarded through Redis. */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client, SSEClientTransport } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway.js';
import { startGateway } from '../helpers/gateway.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from '../queue/redis-helpers.js';
import { ALICE, BOB } from './helpers.js';

const reachable = await redisReachable();
const gateways: Gateway[] = [];
const prefix = testPrefix();
after(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  await deleteKeys(prefix);
});

describe('legacy SSE across replicas', () => {
  it('serves a session whose POSTs land on another replica; an unknown or foreign session there is 404', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const yaml = `gateway:
  redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
  auth:
    api_keys:
      - { name: alice, key: "${ALICE}" }
      - { name: bob, key: "${BOB}" }
mcpServers: {}
`;
    const [one, two] = [await startGateway(yaml), await startGateway(yaml)];
    gateways.push(one.gateway, two.gateway);
    let forwarded = 0;
    let forwardedTo: string | undefined;
    // A balancer without affinity: the stream goes to one replica, every POST to the other.
    const elsewhere: typeof fetch = (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.pathname === '/messages') {
        url.host = two.url.host;
        forwarded++;
        forwardedTo = url.href;
      }
      return fetch(url, init);
    };
    const client = new Client({ name: 'replicas', version: '1.0.0' });
    await client.connect(
      new SSEClientTransport(new URL('/sse', one.url), {
        requestInit: { headers: { 'x-api-key': ALICE } },
        fetch: elsewhere,
      }),
    );
    t.after(() => client.close());
    const tools = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(tools.includes('smart_tool_discovery'), tools.join(', '));
    await client.ping();
    assert.ok(forwarded >= 3, `initialize, tools/list and ping went to the other replica (${forwarded})`);
    assert.equal(one.gateway.sse?.size, 1);
    assert.equal(two.gateway.sse?.size, 0);

    const unknown = await fetch(new URL('/messages?sessionId=no-such-session', two.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': ALICE },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    assert.equal(unknown.status, 404);

    // Another principal's POST to alice's session, on the replica that does not hold it: answered as unknown,
    // as on the replica that does.
    const sessionId = new URL(forwardedTo!).searchParams.get('sessionId')!;
    const foreign = (port: URL) =>
      fetch(new URL(`/messages?sessionId=${sessionId}`, port), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': BOB },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
      });
    const [there, here] = [await foreign(two.url), await foreign(one.url)];
    assert.deepEqual([there.status, here.status], [404, 404]);
    assert.deepEqual(await there.json(), await here.json());
    await client.ping();
  });
});
