/**
 * `auth: token_exchange` end to end: a gateway with JWT auth in front of a protected upstream; each user's call
 * goes on their own upstream session with a token exchanged (RFC 8693) from theirs, in both eras; the catalog is
 * listed with the exchange client's own client-credentials token; callers that cannot be exchanged get an error
 * naming the backend and the cause, never a token.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import type { Gateway } from '../../../src/gateway.js';
import { AuthorizationServer } from '../../fixtures/oauth/authorization-server.js';
import { ProtectedUpstream } from '../../fixtures/oauth/protected-upstream.js';
import { startGateway, text } from '../../helpers/gateway.js';
import { AUDIENCE, ISSUER, JwksServer, makeKey, sign, type SigningKey } from '../../helpers/jwt.js';

const SECRET = 'gateway-exchange-secret-0123';
const API_KEY = 'robot-key-0123456789abcdef';
let as: AuthorizationServer;
let upstream: ProtectedUpstream;
let gateway: Gateway;
let url: URL;
let jwksUrl: string;
const storeKey = randomBytes(32).toString('base64');
let key: SigningKey;
/** A key the gateway accepts but the authorization server does not trust for exchange. */
let untrusted: SigningKey;
const jwks = new JwksServer();
const clients: Client[] = [];

before(async () => {
  as = await new AuthorizationServer().start();
  as.clients.set('gateway', { secret: SECRET });
  upstream = await new ProtectedUpstream(as).start();
  key = await makeKey('idp-1');
  untrusted = await makeKey('idp-2');
  as.trustSubjects(ISSUER, { keys: [key.jwk] });
  jwks.keys = [key.jwk, untrusted.jwk];
  jwksUrl = await jwks.start();
  ({ gateway, url } = await startGateway(`gateway:
  auth:
    api_keys:
      - { name: robot, key: "${API_KEY}" }
    jwt:
      issuer: ${ISSUER}
      audience: ${AUDIENCE}
      jwks_url: ${jwksUrl}
  credentials:
    keys: ["${storeKey}"]
httpServices:
  gh:
    base_url: ${upstream.mcpUrl}
    auth:
      type: token_exchange
      token_endpoint: ${as.tokenEndpoint}
      client_id: gateway
      client_secret: ${SECRET}
      resource: ${upstream.mcpUrl}
      scope: repo
`));
});
after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await gateway?.close();
  await jwks.close();
  await upstream?.stop();
  await as?.stop();
});

async function connect(bearer: string, modern = false): Promise<Client> {
  const client = new Client(
    { name: 'exchange-e2e', version: '1.0.0' },
    modern ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  clients.push(client);
  const headers = { authorization: `Bearer ${bearer}` };
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

async function whoami(client: Client): Promise<{ client: string; jti: string }> {
  const result = await client.callTool({ name: 'gh__whoami', arguments: {} });
  assert.ok(!result.isError, text(result));
  return JSON.parse(text(result)) as { client: string; jti: string };
}

const exchanges = () => as.issued().filter((r) => r.grantType?.endsWith('token-exchange'));

for (const modern of [false, true]) {
  describe(`a token_exchange backend (${modern ? '2026-07-28 per request' : '2025-11-25 sessions'})`, () => {
    it('lists the catalog with the exchange client’s own client-credentials token', async () => {
      const client = await connect(await sign(key, { sub: 'lister' }), modern);
      const { tools } = await client.listTools();
      assert.equal(client.getProtocolEra(), modern ? 'modern' : 'legacy');
      assert.deepEqual(
        tools.map((t) => t.name).filter((n) => n.startsWith('gh__')),
        ['gh__whoami'],
      );
      assert.ok(
        as.issued().some((r) => r.grantType === 'client_credentials' && r.clientId === 'gateway'),
        'the catalog token is a client-credentials grant of the exchange client',
      );
    });

    it('has two users in parallel each seen upstream as themself, their own tokens never forwarded', async () => {
      const users = modern ? ['alice26', 'bob26'] : ['alice', 'bob'];
      const subjects = await Promise.all(users.map((sub) => sign(key, { sub })));
      const before = exchanges().length;
      const seen = await Promise.all(
        subjects.map(async (s) => {
          const client = await connect(s, modern);
          const [first, second] = await Promise.all([whoami(client), whoami(client)]);
          assert.equal(first.jti, second.jti, 'one exchanged token per user while it is fresh');
          return first;
        }),
      );
      assert.deepEqual(
        seen.map((s) => s.client),
        users,
      );
      assert.equal(exchanges().length - before, 2, 'one exchange per user');
      assert.deepEqual(
        exchanges()
          .slice(-2)
          .map((r) => r.subject)
          .sort(),
        [...users].sort(),
      );
      for (const s of subjects)
        assert.ok(!upstream.tokens.has(s), "a caller's own token never goes upstream");
    });

    it('refuses an API key caller, naming the backend and why (no token to exchange)', async () => {
      const client = await connect(API_KEY, modern);
      const result = await client.callTool({ name: 'gh__whoami', arguments: {} });
      assert.equal(result.isError, true);
      assert.match(text(result), /backend "gh" acts as each user .*only a bearer token .* can be exchanged/);
    });

    it('answers an exchange refused by the authorization server with its OAuth error, never a token', async () => {
      const subject = await sign(untrusted, { sub: modern ? 'mallory26' : 'mallory' });
      const client = await connect(subject, modern);
      const result = await client.callTool({ name: 'gh__whoami', arguments: {} });
      assert.equal(result.isError, true);
      const message = text(result);
      assert.match(message, /token exchange at .*\/token for backend "gh" failed: invalid_grant/);
      assert.ok(!message.includes(subject) && !message.includes(SECRET), message);
    });
  });
}

describe('a token_exchange backend with gateway.redis', () => {
  const prefix = `sb-test-${randomUUID()}`;
  const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true });
  const replicas: Gateway[] = [];
  after(async () => {
    for (const g of replicas) await g.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('keeps the exchanged token sealed in Redis, where another replica uses it without exchanging again', async () => {
    await redis.connect();
    const config = `gateway:
  redis: { url: "redis://127.0.0.1:6379", prefix: ${prefix} }
  auth:
    jwt: { issuer: ${ISSUER}, audience: ${AUDIENCE}, jwks_url: ${jwksUrl} }
  credentials:
    keys: ["${storeKey}"]
httpServices:
  gh:
    base_url: ${upstream.mcpUrl}
    auth: { type: token_exchange, token_endpoint: ${as.tokenEndpoint}, client_id: gateway, client_secret: ${SECRET}, resource: ${upstream.mcpUrl} }
`;
    for (let i = 0; i < 2; i++) replicas.push((await startGateway(config)).gateway);
    const subject = await sign(key, { sub: 'zoe' });
    const before = exchanges().length;
    const seen = [];
    for (const replica of replicas) {
      const client = new Client({ name: 'replica', version: '1.0.0' });
      clients.push(client);
      const headers = { authorization: `Bearer ${subject}` };
      await client.connect(
        new StreamableHTTPClientTransport(new URL(replica.url), { requestInit: { headers } }),
      );
      seen.push(await whoami(client));
    }
    assert.deepEqual(
      seen.map((s) => s.client),
      ['zoe', 'zoe'],
    );
    assert.equal(seen[0]!.jti, seen[1]!.jti, 'the second replica used the grant the first stored');
    assert.equal(exchanges().length - before, 1, 'one exchange across replicas');
    const stored = await redis.hgetall(`${prefix}:grants:jwt:${ISSUER}:zoe`);
    assert.deepEqual(Object.keys(stored), ['gh']);
    assert.match(stored.gh!, /^v1\./);
    for (const t of upstream.tokens) assert.ok(!stored.gh!.includes(t), 'sealed, not in clear');
  });
});
