/** Client authentication on /mcp: API keys and JWTs (a local issuer), refusals with their challenges, both eras, operator endpoints. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { SignJWT } from 'jose';
import type { Gateway } from '../../../src/gateway.js';
import { fixtureStdio, startGateway, text } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';
import { scrape } from '../../helpers/metrics.js';
import { AUDIENCE, ISSUER, JwksServer, makeKey, sign, type SigningKey } from '../../helpers/jwt.js';

const ALICE_KEY = 'alice-key-0123456789';
const BOB_KEY = 'bob-key-0123456789ab';
const OPS_KEY = 'ops-key-0123456789ab';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

const jwks = new JwksServer();
let gateway: Gateway;
let url: URL;
let key: SigningKey;
const clients: Client[] = [];

before(async () => {
  key = await makeKey('k1');
  jwks.keys = [key.jwk];
  const jwksUrl = await jwks.start();
  ({ gateway, url } = await startGateway(`gateway:
  auth:
    api_keys:
      - { name: alice, key: "${ALICE_KEY}" }
      - { name: bob, key: "sha256:${sha256(BOB_KEY)}" }
      - { name: ops, key: "${OPS_KEY}", operator: true }
    jwt:
      issuer: ${ISSUER}
      audience: ${AUDIENCE}
      jwks_url: ${jwksUrl}
      jwks_cooldown: 0
      required_scopes: [mcp]
mcpServers:
${fixtureStdio('fx')}`));
});
after(async () => {
  for (const c of clients) await c.close();
  await gateway?.close();
  await jwks.close();
});

/** An SDK client sending a header with every request; `modern` negotiates 2026-07-28. */
async function connect(headers: Record<string, string>, modern = false): Promise<Client> {
  const client = new Client(
    { name: 'auth-test', version: '1.0.0' },
    modern ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  clients.push(client);
  return client;
}

const add = async (client: Client) =>
  text(await client.callTool({ name: 'fx__add', arguments: { a: 2, b: 3 } }));

async function initWith(headers: Record<string, string>) {
  const res = await raw(url, 'POST', { ...json, ...headers }, JSON.stringify(INIT));
  const isJson = String(res.headers['content-type']).startsWith('application/json');
  const body = isJson ? (JSON.parse(res.body) as { error?: { code: number; message: string } }) : {};
  return { ...res, challenge: String(res.headers['www-authenticate'] ?? ''), error: body.error };
}

/** Asserts a 401 naming the cause, with an RFC 9728 challenge, that never echoes the credential. */
async function refused(headers: Record<string, string>, cause: RegExp, secret?: string) {
  const res = await initWith(headers);
  assert.equal(res.status, 401, res.body);
  assert.equal(res.error?.code, -32000);
  assert.match(res.error!.message, cause);
  const metadata = `resource_metadata="http://127.0.0.1:${url.port}/.well-known/oauth-protected-resource"`;
  assert.ok(res.challenge.startsWith('Bearer '), res.challenge);
  assert.ok(res.challenge.includes(metadata), res.challenge);
  if (secret) {
    assert.ok(!res.body.includes(secret), 'the body never echoes the credential');
    assert.ok(!res.challenge.includes(secret), 'the challenge never echoes the credential');
  }
  return res;
}

describe('API keys', () => {
  it('accept a key as a Bearer token and as X-API-Key, plain or configured as its SHA-256', async () => {
    assert.equal(await add(await connect(bearer(ALICE_KEY))), '5');
    assert.equal(await add(await connect({ 'X-API-Key': ALICE_KEY })), '5');
    assert.equal(await add(await connect(bearer(BOB_KEY))), '5', 'a key given as sha256:<hex>');
  });

  it('refuse a missing or wrong key with 401, and keep /healthz open', async () => {
    const missing = await refused(
      {},
      /^Unauthorized: no credentials \(send Authorization: Bearer <token or API key>, or X-API-Key: <API key>\)/,
    );
    assert.ok(!missing.challenge.includes('error='), 'no error code when no credentials were sent');
    const wrong = await refused(bearer('wrong-key-0123456789'), /invalid API key/, 'wrong-key-0123456789');
    assert.match(wrong.challenge, /error="invalid_token"/);
    await refused({ 'x-api-key': 'nope-0123456789abcdef' }, /invalid API key/, 'nope-0123456789abcdef');
    await refused({ authorization: 'Basic YWxpY2U6cHc=' }, /malformed Authorization header/);
    await assert.rejects(connect(bearer('wrong-key-0123456789')));
    const health = await raw(new URL('/healthz', url), 'GET', {});
    assert.equal(health.status, 200);
  });
});

describe('JWT bearer tokens', () => {
  it('accept a valid token; its sub is the principal, on both protocol eras', async () => {
    const token = await sign(key, { sub: 'carol', scope: 'mcp other' });
    const legacy = await connect(bearer(token));
    assert.equal(await add(legacy), '5');
    const modern = await connect(bearer(token), true);
    assert.equal(modern.getNegotiatedProtocolVersion(), '2026-07-28');
    assert.equal(await add(modern), '5');
  });

  it('refuse a 2026-07-28 client without credentials as well', async () => {
    await assert.rejects(connect({}, true));
    const res = await raw(
      url,
      'POST',
      { ...json, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
      JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'server/discover',
        params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
      }),
    );
    assert.equal(res.status, 401);
  });

  it('refuse expired, not-yet-valid, wrong-issuer and wrong-audience tokens, naming the cause', async () => {
    const claims = { sub: 'carol', scope: 'mcp' };
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign(key, claims, { exp: now - 3600 });
    await refused(bearer(expired), /token expired/, expired);
    await refused(bearer(await sign(key, claims, { nbf: now + 3600 })), /token not yet valid/);
    await refused(bearer(await sign(key, claims, { iss: 'https://evil.test' })), /wrong issuer/);
    await refused(bearer(await sign(key, claims, { aud: 'someone-else' })), /wrong audience/);
  });

  it('refuse a token signed by an unknown key or another key pair, one without sub, and HS256', async () => {
    const stranger = await makeKey('stranger');
    await refused(bearer(await sign(stranger, { sub: 'carol', scope: 'mcp' })), /unknown signing key/);
    const impostor = { ...(await makeKey('k1')), kid: 'k1' }; // same kid, another key pair
    await refused(bearer(await sign(impostor, { sub: 'carol', scope: 'mcp' })), /bad signature/);
    await refused(bearer(await sign(key, { scope: 'mcp' })), /no "sub" claim/);
    const hmac = await new SignJWT({ sub: 'carol', scope: 'mcp' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a shared secret of thirty-two bytes!'));
    await refused(bearer(hmac), /signature algorithm not allowed/);
    await refused(bearer('not.a-jwt'), /invalid API key/);
  });

  it('accept a key that appears on the JWKS endpoint after the keys were cached (rotation)', async () => {
    const before = jwks.fetches;
    assert.ok(before > 0, 'the JWKS was fetched already');
    const next = await makeKey('k2', 'ES256');
    jwks.keys = [key.jwk, next.jwk];
    // The first request with the new kid refetches the JWKS (jwks_cooldown: 0) and is accepted.
    const client = await connect(bearer(await sign(next, { sub: 'dave', scope: 'mcp' })));
    assert.equal(await add(client), '5');
    assert.ok(jwks.fetches > before, 'the JWKS was fetched again');
  });

  it('answer a token without a required scope with 403 insufficient_scope', async () => {
    const token = await sign(key, { sub: 'erin', scope: 'other' });
    const res = await initWith(bearer(token));
    assert.equal(res.status, 403, res.body);
    assert.match(res.error!.message, /^Forbidden: missing scope mcp/);
    assert.match(res.challenge, /^Bearer error="insufficient_scope", scope="mcp"/);
    const scp = await sign(key, { sub: 'erin', scp: ['mcp'] });
    assert.equal((await initWith(bearer(scp))).status, 200, 'scopes may come as an scp array');
  });

  it('serve protected-resource metadata (RFC 9728)', async () => {
    const res = await raw(new URL('/.well-known/oauth-protected-resource', url), 'GET', {});
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.body), {
      resource: `http://127.0.0.1:${url.port}/mcp`,
      authorization_servers: [ISSUER],
      scopes_supported: ['mcp', 'switchboard:operator'],
      bearer_methods_supported: ['header'],
    });
  });
});

describe('operator endpoints', () => {
  for (const path of ['/readyz', '/metrics']) {
    it(`${path} needs an operator credential`, async () => {
      const at = new URL(path, url);
      if (path === '/metrics') assert.equal((await raw(at, 'GET', {})).status, 401);
      assert.equal((await raw(at, 'GET', bearer('not-a-key-0123456789'))).status, 401, 'a wrong credential');
      const user = await raw(at, 'GET', bearer(ALICE_KEY));
      assert.equal(user.status, 403);
      assert.match(String(user.headers['www-authenticate']), /scope="switchboard:operator"/);
      assert.equal((await raw(at, 'GET', bearer(OPS_KEY))).status, 200, 'a key marked operator');
      const token = await sign(key, { sub: 'monitor', scope: 'switchboard:operator' });
      assert.equal((await raw(at, 'GET', bearer(token))).status, 200, 'a token with the operator scope');
    });
  }

  it('/readyz without any credential answers its status alone, for probes', async () => {
    const at = new URL('/readyz', url);
    const probe = await raw(at, 'GET', {});
    assert.equal(probe.status, 200);
    assert.deepEqual(JSON.parse(probe.body), { status: 'ready' }, 'no backends, sessions or errors');
    const full = await raw(at, 'GET', bearer(OPS_KEY));
    assert.ok('backends' in (JSON.parse(full.body) as object), 'an operator still gets the detail');
    const apiKey = await raw(at, 'GET', { 'x-api-key': ALICE_KEY });
    assert.equal(apiKey.status, 403, 'a credential, even as X-API-Key, is checked as before');
  });

  it('refusals are counted on /metrics by kind and reason, never with the credential', async () => {
    const refusals = async () => {
      const m = await scrape(url, bearer(OPS_KEY));
      return (reason: string) => m.value('switchboard_refusals_total', { kind: 'auth', reason });
    };
    const before = await refusals();
    assert.equal((await raw(new URL('/metrics', url), 'GET', {})).status, 401);
    assert.equal((await raw(new URL('/metrics', url), 'GET', bearer('not-a-key-at-all'))).status, 401);
    assert.equal((await raw(new URL('/metrics', url), 'GET', bearer(ALICE_KEY))).status, 403);
    const now = await refusals();
    for (const reason of ['no_credentials', 'invalid_credentials', 'insufficient_scope'])
      assert.equal(now(reason), before(reason) + 1, reason);
    const text = (await scrape(url, bearer(OPS_KEY))).text;
    assert.ok(!text.includes(ALICE_KEY) && !text.includes('not-a-key-at-all'));
  });
});
