/**
 * A `token_exchange` backend's connections end to end, against the fixture authorization server and protected
 * upstream over real HTTP: the caller's grant listed (times and scope, never a token) at /v1/me/connections;
 * a revoke drops it, revokes it at the authorization server (RFC 7009) and closes the user's upstream session;
 * an upstream refusing an exchanged token (401) makes the gateway forget it and exchange once more, in both
 * eras, and a second refusal is a `user_credentials` error.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { Gateway } from '../../../src/gateway.js';
import { startGateway, text } from '../../helpers/gateway.js';
import { AUDIENCE, ISSUER } from '../../helpers/jwt.js';
import { connectAs, startExchangePeers, whoami, type ExchangePeers } from './exchange-peers.js';

let peers: ExchangePeers;
let gateway: Gateway;
let url: URL;
const clients: Client[] = [];

before(async () => {
  peers = await startExchangePeers('gateway-exchange-secret-4567');
  ({ gateway, url } = await startGateway(`gateway:
  auth:
    jwt: { issuer: ${ISSUER}, audience: ${AUDIENCE}, jwks_url: ${peers.jwksUrl} }
  credentials:
    keys: ["${randomBytes(32).toString('base64')}"]
httpServices:
  gh:
    base_url: ${peers.upstream.mcpUrl}
    auth: ${peers.auth()}
sseServices:
  ghsse:
    base_url: ${peers.upstream.sseUrl}
    auth: ${peers.auth(peers.upstream.sseUrl)}
`));
});
after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await gateway?.close();
  await peers?.close();
});

async function connect(bearer: string, modern = false): Promise<Client> {
  const client = await connectAs(url, bearer, modern);
  clients.push(client);
  return client;
}

type Row = { backend: string; connected: boolean; obtainedAt?: string; expiresAt?: string; scope?: string };

async function connections(bearer: string): Promise<Row[]> {
  const res = await fetch(new URL('/v1/me/connections', url), {
    headers: { authorization: `Bearer ${bearer}` },
  });
  const body = await res.text();
  assert.equal(res.status, 200, body);
  for (const t of peers.upstream.tokens) assert.ok(!body.includes(t), 'no upstream token in the list');
  assert.ok(!body.includes(bearer), "not the caller's own token either");
  return (JSON.parse(body) as { connections: Row[] }).connections;
}

describe('a token_exchange backend’s connections', () => {
  it("lists the caller's grant with when it was obtained, when it expires and its scope", async () => {
    const alice = await peers.bearer('alice');
    await whoami(await connect(alice));
    const [row, sse] = await connections(alice);
    assert.equal(row!.backend, 'gh');
    assert.deepEqual(
      sse,
      { backend: 'ghsse', mode: 'token_exchange', connected: false },
      'one grant per backend',
    );
    assert.equal(row!.connected, true);
    assert.equal(row!.scope, 'repo');
    const obtained = Date.parse(row!.obtainedAt!);
    assert.ok(Math.abs(Date.now() - obtained) < 60_000, row!.obtainedAt);
    assert.equal(Date.parse(row!.expiresAt!) - obtained, peers.as.ttlSeconds * 1000);
    const nobody = await peers.bearer('nobody');
    assert.deepEqual(await connections(nobody), [
      { backend: 'gh', mode: 'token_exchange', connected: false },
      { backend: 'ghsse', mode: 'token_exchange', connected: false },
    ]);
  });

  it('revokes: the grant is dropped and revoked at the authorization server, the session closed', async () => {
    const bob = await peers.bearer('bob');
    const client = await connect(bob);
    const first = await whoami(client);
    const principal = `jwt:${ISSUER}:bob`;
    const sessions = gateway.pool.get('gh')!.clientSessions!;
    assert.ok(sessions.has(principal));
    const revokedBefore = peers.as.revocations.length;
    const res = await fetch(new URL('/v1/me/connections/gh', url), {
      method: 'DELETE',
      headers: { authorization: `Bearer ${bob}` },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { backend: 'gh', revoked: true });
    assert.ok(!sessions.has(principal), "bob's upstream session is closed");
    const revoked = peers.as.revocations.slice(revokedBefore);
    assert.equal(revoked.length, 1);
    assert.equal(revoked[0]!.clientId, 'gateway');
    assert.equal(revoked[0]!.hint, 'access_token');
    assert.ok(peers.upstream.tokens.has(revoked[0]!.token), 'the token revoked is the one used upstream');
    assert.equal((await connections(bob))[0]!.connected, false);
    const second = await whoami(client);
    assert.notEqual(second.jti, first.jti, 'the next call exchanged again');
    assert.equal(peers.exchangesOf('bob'), 2);
  });

  for (const modern of [false, true]) {
    const era = modern ? '2026-07-28' : '2025-11-25';
    it(`forgets an exchanged token the upstream refuses and exchanges once more (${era})`, async () => {
      const sub = modern ? 'carol26' : 'carol';
      const client = await connect(await peers.bearer(sub), modern);
      const first = await whoami(client);
      peers.upstream.revokeAll();
      const second = await whoami(client);
      assert.notEqual(second.jti, first.jti);
      assert.equal(second.client, sub);
      assert.equal(peers.exchangesOf(sub), 2, 'one exchange, then one after the 401');
    });

    it(`answers a second refusal with a user_credentials error naming the backend (${era})`, async () => {
      const sub = modern ? 'dave26' : 'dave';
      const bearer = await peers.bearer(sub);
      const client = await connect(bearer, modern);
      await whoami(client);
      peers.upstream.refusedSubjects.add(sub);
      const result = await client.callTool({ name: 'gh__whoami', arguments: {} });
      assert.equal(result.isError, true);
      const message = text(result);
      assert.match(
        message,
        new RegExp(
          `backend "gh" refused a newly obtained credential of principal jwt:${ISSUER}:${sub} \\(HTTP 401\\)`,
        ),
      );
      assert.equal(
        (result._meta?.['switchboard/error'] as { code?: string } | undefined)?.code,
        'user_credentials',
      );
      assert.equal(peers.exchangesOf(sub), 2, 'the first, then one new exchange after the first 401');
      for (const t of [...peers.upstream.tokens, bearer]) assert.ok(!message.includes(t));
    });
  }

  it('does the same over a legacy SSE upstream', async () => {
    const sub = 'frank';
    const client = await connect(await peers.bearer(sub));
    const first = await whoami(client, 'ghsse');
    peers.upstream.revokeAll();
    const second = await whoami(client, 'ghsse');
    assert.notEqual(second.jti, first.jti);
    peers.upstream.refusedSubjects.add(sub);
    const result = await client.callTool({ name: 'ghsse__whoami', arguments: {} });
    assert.equal(result.isError, true);
    assert.match(text(result), /backend "ghsse" refused a newly obtained credential .*frank \(HTTP 401\)/);
    // A new user's session is refused when its SSE stream opens: exchanged once more, then the same error.
    peers.upstream.refusedSubjects.add('grace');
    const grace = await connect(await peers.bearer('grace'));
    const refused = await grace.callTool({ name: 'ghsse__whoami', arguments: {} });
    assert.match(text(refused), /backend "ghsse" refused a newly obtained credential .*grace \(HTTP 401\)/);
    assert.equal(peers.exchangesOf('grace'), 2);
  });

  it('refuses a user whose first upstream session is refused, after one new exchange', async () => {
    const sub = 'erin';
    peers.upstream.refusedSubjects.add(sub);
    const client = await connect(await peers.bearer(sub));
    const result = await client.callTool({ name: 'gh__whoami', arguments: {} });
    assert.equal(result.isError, true);
    assert.match(
      text(result),
      /backend "gh" refused a newly obtained credential of principal .*erin \(HTTP 401\)/,
    );
    assert.equal(peers.exchangesOf(sub), 2);
  });
});
