/** A tool set's sessions shared through Redis: another replica takes one up in its set, and only there. */
import assert from 'node:assert/strict';
import { after, describe, it, type TestContext } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import type { Gateway } from '../../src/gateway.js';
import { fixtureStdio, startGateway } from '../helpers/gateway.js';
import { INIT, json, raw } from '../helpers/http.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from '../queue/redis-helpers.js';

const reachable = await redisReachable();
const TOOLS_LIST = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
const gateways: Gateway[] = [];
const prefixes: string[] = [];
after(async () => {
  await Promise.all(gateways.map((g) => g.close()));
  for (const p of prefixes) await deleteKeys(p);
});

describe('tool set sessions shared through Redis', () => {
  it('are taken up by another replica in their set, and are unknown on other paths', async (t: TestContext) => {
    if (!requireRedis(t, reachable)) return;
    const prefix = testPrefix();
    prefixes.push(prefix);
    const yaml = `gateway:
  redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
mcpServers:
${fixtureStdio('a')}
toolsets:
  coding:
    tools: a__add
    overrides:
      a__add: { name: plus }
`;
    const [one, two] = [await startGateway(yaml), await startGateway(yaml)];
    gateways.push(one.gateway, two.gateway);
    const init = await raw(new URL(`${one.url.href}/coding`), 'POST', json, JSON.stringify(INIT));
    assert.equal(init.status, 200, init.body);
    const id = init.headers['mcp-session-id'] as string;
    const inSession = { ...json, 'mcp-session-id': id, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION };

    const elsewhere = await raw(two.url, 'POST', inSession, TOOLS_LIST);
    assert.equal(elsewhere.status, 404, 'not a session of /mcp');
    const listed = await raw(new URL(`${two.url.href}/coding`), 'POST', inSession, TOOLS_LIST);
    assert.equal(listed.status, 200, listed.body);
    const names = [...listed.body.matchAll(/"name":"([^"]+)"/g)].map((m) => m[1]);
    assert.deepEqual(names.sort(), ['plus', 'smart_tool_discovery']);
    assert.equal(two.gateway.sessions.size, 1, 'taken up on the second replica');
  });
});
