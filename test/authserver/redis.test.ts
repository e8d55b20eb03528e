/**
 * Sign-in state shared by two replicas through a real Redis: a code issued by one is exchanged at the other,
 * once only even when both are asked at the same moment; a refresh-token family rotates and dies across them;
 * consent given on one is remembered by the other; what Redis holds contains no usable code or token.
 */
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { startIdentityProvider, type IdentityProvider } from '../fixtures/oauth/identity-provider.js';
import { freePort, writeConfig } from '../helpers/gateway.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from '../queue/redis-helpers.js';
import {
  browserAuthorize,
  Callbacks,
  chromiumMissing,
  launchBrowser,
  startSignInStack,
  type SignInStack,
} from './helpers.js';

const reachable = await redisReachable();
const skip = chromiumMissing('the sign-in Redis tests');

const pkce = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

describe('sign-in across replicas (Redis)', { skip }, () => {
  const prefix = testPrefix();
  const callbacks = new Callbacks();
  let idp: IdentityProvider;
  let a: SignInStack;
  let b: SignInStack;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let ok = false;

  before(async () => {
    // Without Redis each test skips loudly (or fails under CI=true) through requireRedis.
    ok = reachable;
    if (!ok) return;
    await callbacks.start();
    const portA = await freePort();
    const issuer = `http://127.0.0.1:${portA}`;
    idp = await startIdentityProvider([`${issuer}/oauth/callback`]);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = writeConfig(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const signIn = `      issuer: "${issuer}"\n      signing_keys: [{ key_file: ${JSON.stringify(keyFile)} }]\n`;
    const gateway = `  redis: { url: "${REDIS_URL}", prefix: "${prefix}" }\n`;
    a = await startSignInStack({ port: portA, idp, signIn, gateway });
    b = await startSignInStack({ idp, signIn, gateway });
    browser = await launchBrowser();
  });
  after(async () => {
    if (!ok) return;
    await browser?.close();
    await a?.close();
    await b?.close();
    await idp?.stop();
    await callbacks.close();
    await deleteKeys(prefix);
  });

  const token = async (stack: SignInStack, params: Record<string, string>) => {
    const res = await fetch(`${stack.base}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(params),
    });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };

  it('exchanges a code from one replica at the other, once only under a race; refresh rotates across; reuse kills the family', async (t) => {
    if (!requireRedis(t, reachable)) return;
    const redirect = callbacks.uri('redis');
    const reg = await fetch(`${a.base}/oauth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Replicated',
        redirect_uris: [redirect],
        token_endpoint_auth_method: 'none',
      }),
    });
    const { client_id } = (await reg.json()) as { client_id: string };
    let asked = 0;
    const signIn = async (at: SignInStack) => {
      const p = pkce();
      const u = new URL(`${at.base}/oauth/authorize`);
      u.search = new URLSearchParams({
        client_id,
        redirect_uri: redirect,
        response_type: 'code',
        scope: 'mcp',
        code_challenge: p.challenge,
        code_challenge_method: 'S256',
      }).toString();
      const q = await browserAuthorize(browser.page, callbacks, u, redirect, {
        onConsent: async () => void asked++,
      });
      return { code: q.get('code')!, verifier: p.verifier };
    };
    const params = (c: { code: string; verifier: string }) => ({
      grant_type: 'authorization_code',
      code: c.code,
      redirect_uri: redirect,
      client_id,
      code_verifier: c.verifier,
    });
    const codes: { code: string; verifier: string }[] = [];

    // One code, both replicas at once: exactly one wins; the loser is a replay, which revokes the grant.
    codes.push(await signIn(a));
    const race = await Promise.all([token(a, params(codes[0]!)), token(b, params(codes[0]!))]);
    assert.deepEqual(race.map((r) => r.status).sort(), [200, 400], JSON.stringify(race.map((r) => r.body)));
    const winner = race.find((r) => r.status === 200)!;
    const revoked = await token(b, {
      grant_type: 'refresh_token',
      refresh_token: winner.body.refresh_token!,
      client_id,
    });
    assert.equal(revoked.body.error, 'invalid_grant', "the replay revoked the winner's grant");

    // Signed in again (consent asked again: its grant is gone); the code goes to B, the refresh to A.
    codes.push(await signIn(a));
    assert.equal(asked, 2);
    const fresh = await token(b, params(codes[1]!));
    assert.equal(fresh.status, 200, JSON.stringify(fresh.body));
    const rotated = await token(a, {
      grant_type: 'refresh_token',
      refresh_token: fresh.body.refresh_token!,
      client_id,
    });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));

    // At replica B, the browser's sign-in session and the consent given at A are both known.
    const third = await signIn(b);
    assert.equal(asked, 2, 'consent remembered across replicas');
    assert.equal((await token(a, params(third))).status, 200);

    const reuse = await token(b, {
      grant_type: 'refresh_token',
      refresh_token: fresh.body.refresh_token!,
      client_id,
    });
    assert.equal(reuse.body.error, 'invalid_grant');
    const dead = await token(a, {
      grant_type: 'refresh_token',
      refresh_token: rotated.body.refresh_token!,
      client_id,
    });
    assert.equal(dead.body.error, 'invalid_grant', 'the family died on both replicas');

    // Nothing stored in Redis is a usable code or token.
    const r = new Redis(REDIS_URL);
    try {
      const keys = await r.keys(`${prefix}:signin:*`);
      assert.ok(keys.length > 0);
      const dump = (
        await Promise.all(
          keys.map(
            async (k) =>
              `${k} ${JSON.stringify((await r.type(k)) === 'hash' ? await r.hgetall(k) : await r.smembers(k))}`,
          ),
        )
      ).join('\n');
      for (const secret of [
        codes[0]!.code,
        codes[1]!.code,
        third.code,
        fresh.body.refresh_token!,
        rotated.body.refresh_token!,
      ])
        assert.ok(!dump.includes(secret), 'a code or refresh token is stored in the clear');
    } finally {
      r.disconnect();
    }
  });
});
