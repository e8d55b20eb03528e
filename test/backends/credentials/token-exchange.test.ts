/**
 * RFC 8693 token exchange against the OAuth fixture's token endpoint, with the exchanged tokens used by a real SDK
 * client on a protected upstream that checks issuer and audience and answers with the user it saw.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { log } from '../../../src/log.js';
import { GrantCipher } from '../../../src/backends/credentials/cipher.js';
import { MemorySlots } from '../../../src/backends/credentials/slots.js';
import { GrantStore } from '../../../src/backends/credentials/store.js';
import {
  TokenExchange,
  type TokenExchangeSettings,
} from '../../../src/backends/credentials/token-exchange.js';
import { AuthorizationServer } from '../../fixtures/oauth/authorization-server.js';
import { ProtectedUpstream } from '../../fixtures/oauth/protected-upstream.js';
import { text, waitFor } from '../../helpers/gateway.js';
import { ISSUER, makeKey, sign, type SigningKey } from '../../helpers/jwt.js';

const SECRET = 'gateway-secret-0123';
let as: AuthorizationServer;
let upstream: ProtectedUpstream;
let key: SigningKey;
const clients: Client[] = [];

before(async () => {
  as = await new AuthorizationServer().start();
  as.clients.set('gateway', { secret: SECRET });
  upstream = await new ProtectedUpstream(as).start();
  key = await makeKey('idp-1');
  as.trustSubjects(ISSUER, { keys: [key.jwk] });
});
after(async () => {
  for (const c of clients) await c.close();
  await upstream.stop();
  await as.stop();
});

const exchanger = (over: Partial<TokenExchangeSettings> = {}) =>
  new TokenExchange(
    'gh',
    {
      tokenEndpoint: as.tokenEndpoint,
      client: { type: 'oauth_client_credentials', client_id: 'gateway', client_secret: SECRET },
      resource: upstream.mcpUrl,
      scope: 'repo',
      ...over,
    },
    new GrantStore(new MemorySlots(), new GrantCipher([randomBytes(32)])),
    log.child({ backend: 'gh' }),
  );

/** What the protected upstream's whoami answers a client holding `token`. */
async function whoami(token: string): Promise<{ client: string; jti: string }> {
  const client = new Client({ name: 'exchange-test', version: '1.0.0' });
  clients.push(client);
  const headers = { authorization: `Bearer ${token}` };
  await client.connect(
    new StreamableHTTPClientTransport(new URL(upstream.mcpUrl), { requestInit: { headers } }),
  );
  return JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} }))) as {
    client: string;
    jti: string;
  };
}

describe('TokenExchange', () => {
  it('gives each user a token for the upstream in their own name, exchanged once and then cached', async () => {
    const tx = exchanger();
    const users = ['alice', 'bob'];
    const subjects = await Promise.all(users.map((sub) => sign(key, { sub })));
    const seen = await Promise.all(
      users.map(async (sub, i) => whoami(await tx.token(`jwt:${ISSUER}:${sub}`, subjects[i]!))),
    );
    assert.deepEqual(
      seen.map((s) => s.client),
      users,
      'each user is seen upstream as themself',
    );
    const exchanges = as.issued().filter((r) => r.grantType?.endsWith('token-exchange'));
    assert.deepEqual(exchanges.map((r) => r.subject).sort(), users);
    assert.ok(
      exchanges.every(
        (r) => r.clientId === 'gateway' && r.resource === upstream.mcpUrl && r.scope === 'repo',
      ),
    );
    await tx.token(`jwt:${ISSUER}:alice`, subjects[0]!);
    assert.equal(tx.requests, 2, 'cached until shortly before expiry');
    for (const s of subjects)
      assert.ok(!upstream.tokens.has(s), "the caller's own token never reaches the upstream");
  });

  it('exchanges again shortly before the token expires', async () => {
    as.ttlSeconds = 1;
    try {
      const tx = exchanger();
      const subject = await sign(key, { sub: 'carol' });
      const first = await tx.token(`jwt:${ISSUER}:carol`, subject);
      const second = await waitFor(
        async () => {
          const t = await tx.token(`jwt:${ISSUER}:carol`, subject);
          return t !== first ? t : undefined;
        },
        5000,
        'a new token before the first expires',
      );
      assert.equal(tx.requests, 2);
      assert.equal((await whoami(second!)).client, 'carol');
    } finally {
      as.ttlSeconds = 3600;
    }
  });

  it('asks for the audience the upstream checks: a token for another resource is refused upstream', async () => {
    const tx = exchanger({ resource: 'https://elsewhere.example/mcp' });
    const token = await tx.token(`jwt:${ISSUER}:dave`, await sign(key, { sub: 'dave' }));
    await assert.rejects(whoami(token));
    assert.ok(
      upstream.refusals.some((r) => /aud/.test(r)),
      upstream.refusals.join('; '),
    );
  });

  it('names the endpoint and the OAuth error when refused, never the caller token or the client secret', async () => {
    const other = await makeKey('stranger');
    const subject = await sign(other, { sub: 'eve' }, { iss: 'https://stranger.example' });
    const err = await exchanger()
      .token('jwt:https://stranger.example:eve', subject)
      .then(
        () => assert.fail('exchanged'),
        (e: unknown) => e as Error,
      );
    assert.match(err.message, /token exchange at .*\/token for backend "gh" failed: invalid_grant/);
    assert.ok(!err.message.includes(subject) && !err.message.includes(SECRET));
    const badClient = exchanger({
      client: { type: 'oauth_client_credentials', client_id: 'gateway', client_secret: 'wrong-secret' },
    });
    await assert.rejects(badClient.token('x', subject), /invalid_client/);
  });
});
