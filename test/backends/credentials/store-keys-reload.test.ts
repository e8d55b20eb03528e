/**
 * A hot reload changing `gateway.credentials.keys` applies to the grant store of a running gateway (real
 * gateway, real Redis, the fixture authorization server and protected upstream): with a new first key a grant
 * sealed with the old one still opens and is sealed again with the new one; once the old key is dropped, a
 * grant only it opened counts as absent and is exchanged again.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import type { Gateway } from '../../../src/gateway.js';
import { startGateway } from '../../helpers/gateway.js';
import { AUDIENCE, ISSUER } from '../../helpers/jwt.js';
import {
  deleteKeys,
  REDIS_URL,
  redisReachable,
  requireRedis,
  testPrefix,
} from '../../queue/redis-helpers.js';
import { connectAs, startExchangePeers, whoami as seen, type ExchangePeers } from './exchange-peers.js';

const [k1, k2] = [randomBytes(32), randomBytes(32)];
const keyId = (k: Buffer) => createHash('sha256').update(k).digest('hex').slice(0, 8);
const prefix = testPrefix();
let peers: ExchangePeers | undefined;
let gateway: Gateway | undefined;
let file: string;
let url: URL;
let redis: Redis | undefined;
let reachable = false;
let config: (keys: Buffer[]) => string;
const clients: Client[] = [];

before(async () => {
  reachable = await redisReachable();
  if (!reachable) return;
  redis = new Redis(REDIS_URL);
  const p = (peers = await startExchangePeers('gateway-exchange-secret-89ab'));
  config = (keys) => `gateway:
  redis: { url: "${REDIS_URL}", prefix: ${prefix} }
  auth:
    jwt: { issuer: ${ISSUER}, audience: ${AUDIENCE}, jwks_url: ${p.jwksUrl} }
  credentials:
    keys: [${keys.map((k) => `"${k.toString('base64')}"`).join(', ')}]
httpServices:
  gh:
    base_url: ${p.upstream.mcpUrl}
    auth: ${p.auth()}
`;
  ({ gateway, url, file } = await startGateway(config([k1])));
});
after(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  await gateway?.close();
  await peers?.close();
  if (reachable) await deleteKeys(prefix);
  redis?.disconnect();
});

async function whoami(sub: string): Promise<string> {
  const client = await connectAs(url, await peers!.bearer(sub));
  clients.push(client);
  return (await seen(client)).jti;
}

/** The key id in the envelope of a user's sealed grant in Redis. */
async function sealedWith(sub: string): Promise<string | undefined> {
  const sealed = await redis!.hget(`${prefix}:grants:jwt:${ISSUER}:${sub}`, 'gh');
  return sealed?.split('.')[1];
}

async function reload(keys: Buffer[]): Promise<void> {
  writeFileSync(file, config(keys));
  const status = await gateway!.reload();
  assert.equal(status.last, 'ok', JSON.stringify(status));
}

const exchangesOf = (sub: string) => peers!.exchangesOf(sub);

it('follows gateway.credentials.keys across reloads: old grants open and are resealed, then retire', async (t) => {
  if (!requireRedis(t, reachable)) return;
  const alice = await whoami('alice');
  const bob = await whoami('bob');
  assert.equal(await sealedWith('alice'), keyId(k1));
  assert.equal(await sealedWith('bob'), keyId(k1));

  await reload([k2, k1]);
  assert.equal(await whoami('alice'), alice, "alice's grant sealed with the old key still opens");
  assert.equal(exchangesOf('alice'), 1);
  assert.equal(await sealedWith('alice'), keyId(k2), 'and was sealed again with the new first key');
  assert.equal(await sealedWith('bob'), keyId(k1), 'a grant not used since keeps its seal');

  await reload([k2]);
  assert.equal(await whoami('alice'), alice, 'a resealed grant survives the old key going');
  const again = await whoami('bob');
  assert.notEqual(again, bob, "bob's grant, which only the dropped key opened, counts as absent");
  assert.equal(exchangesOf('bob'), 2);
  assert.equal(await sealedWith('bob'), keyId(k2));
});
