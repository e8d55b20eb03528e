/**
 * Principals are typed (src/principal.ts): an API key named `alice` and a JWT whose `sub` is `alice` are
 * different principals, with their own sessions, rate buckets, session caps and policies (the security probe's case).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import type { Gateway } from '../../../src/gateway.js';
import { fixtureStdio, startGateway } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';
import { JwksServer, makeKey, sign, ISSUER, AUDIENCE } from '../../helpers/jwt.js';

const TOOLS_LIST = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
const KEY = { authorization: 'Bearer alice-key-0123456789' };
let TOKEN: Record<string, string>;

let gateway: Gateway;
let url: URL;
const jwks = new JwksServer();

before(async () => {
  const key = await makeKey('k1');
  jwks.keys = [key.jwk];
  const jwksUrl = await jwks.start();
  TOKEN = { authorization: `Bearer ${await sign(key, { sub: 'alice' })}` };
  ({ gateway, url } = await startGateway(`gateway:
  max_sessions: 100
  auth:
    api_keys:
      - { name: alice, key: "alice-key-0123456789" }
    jwt:
      issuer: ${ISSUER}
      audience: ${AUDIENCE}
      jwks_url: ${jwksUrl}
    max_sessions_per_principal: 1
    rate_limit: { rate: 1, per: 1h, burst: 3 }
    policies:
      - { name: the key, match: { key: alice } }
      - { name: the token, match: { sub: alice, issuer: "${ISSUER}" }, allow: { tools: "up__add" } }
mcpServers:
${fixtureStdio('up')}`));
});
after(async () => {
  await gateway?.close();
  await jwks.close();
});

const inSession = (id: string, who: Record<string, string>) => ({
  ...json,
  ...who,
  'mcp-session-id': id,
  'mcp-protocol-version': LATEST_PROTOCOL_VERSION,
});

// One sequence: each request below takes one token from its principal's bucket (burst 3).
describe('an API key named alice and a JWT with sub alice', () => {
  let keySession: string;

  it("are different principals: the token cannot use the key's session (404, as an unknown one)", async () => {
    const init = await raw(url, 'POST', { ...json, ...KEY }, JSON.stringify(INIT)); // key: 1
    assert.equal(init.status, 200, init.body);
    keySession = init.headers['mcp-session-id'] as string;
    const hijack = await raw(url, 'POST', inSession(keySession, TOKEN), TOOLS_LIST); // jwt: 1
    assert.equal(hijack.status, 404, hijack.body);
    const own = await raw(url, 'POST', inSession(keySession, KEY), TOOLS_LIST); // key: 2
    assert.equal(own.status, 200, own.body);
    const names = [...own.body.matchAll(/"name":"(up__\w+)"/g)].map((m) => m[1]);
    assert.ok(names.length > 1, `the key's policy allows every tool: ${names.join(', ')}`);
  });

  it('have their own session caps, and see what their own policy allows', async () => {
    const init = await raw(url, 'POST', { ...json, ...TOKEN }, JSON.stringify(INIT)); // jwt: 2
    assert.equal(init.status, 200, `the key's session does not count against the token's cap: ${init.body}`);
    const id = init.headers['mcp-session-id'] as string;
    const list = await raw(url, 'POST', inSession(id, TOKEN), TOOLS_LIST); // jwt: 3
    const names = [...list.body.matchAll(/"name":"(up__\w+)"/g)].map((m) => m[1]);
    assert.deepEqual(names, ['up__add'], "the token's policy, not the key's");
    const second = await raw(url, 'POST', { ...json, ...KEY }, JSON.stringify(INIT)); // key: 3
    assert.equal(second.status, 503, `the key is at its own cap of 1: ${second.body}`);
    assert.equal(gateway.sessions.size, 2);
  });

  // Six requests were served above under a burst of 3: had they shared a bucket, the fourth would have been refused.
  it('have their own rate buckets', async () => {
    const key = await raw(url, 'POST', inSession(keySession, KEY), TOOLS_LIST); // key: 4
    assert.equal(key.status, 429, 'the key spent its burst');
    const token = await raw(url, 'POST', { ...json, ...TOKEN }, JSON.stringify(INIT)); // jwt: 4
    assert.equal(token.status, 429, 'the token spent its own burst');
  });
});
