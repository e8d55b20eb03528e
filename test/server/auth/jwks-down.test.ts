/** An issuer whose keys cannot be fetched is the gateway's problem (503), not the client's (401). */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../../src/gateway.js';
import { freePort, startGateway } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';
import { AUDIENCE, ISSUER, makeKey, sign, type SigningKey } from '../../helpers/jwt.js';

let key: SigningKey;
const gateways: Gateway[] = [];
const failing = createServer((_req, res) => {
  res.writeHead(500, { 'content-type': 'text/plain' });
  res.end('upstream broke');
});

before(async () => {
  key = await makeKey('k1');
  await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  for (const g of gateways) await g.close();
  failing.closeAllConnections();
  await new Promise((resolve) => failing.close(resolve));
});

async function gatewayWith(jwksUrl: string): Promise<URL> {
  const { gateway, url } = await startGateway(`gateway:
  auth:
    jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, jwks_url: "${jwksUrl}", jwks_cooldown: 0 }
mcpServers: {}
`);
  gateways.push(gateway);
  return url;
}

const init = (url: URL, token: string) =>
  raw(url, 'POST', { ...json, authorization: `Bearer ${token}` }, JSON.stringify(INIT));

describe('JWKS unavailable', () => {
  it('answers a valid token 503 (with Retry-After) when the JWKS URL refuses connections', async () => {
    const url = await gatewayWith(`http://127.0.0.1:${await freePort()}/jwks.json`);
    const res = await init(url, await sign(key, { sub: 'alice' }));
    assert.equal(res.status, 503, res.body);
    assert.equal(res.headers['retry-after'], '5');
    assert.match(JSON.parse(res.body).error.message, /^Service Unavailable: signing keys unavailable/);
    assert.equal(res.headers['www-authenticate'], undefined, 'not a credential problem');
  });

  it('answers 503 when the JWKS URL answers an error; a malformed token is still 401', async () => {
    const port = (failing.address() as AddressInfo).port;
    const url = await gatewayWith(`http://127.0.0.1:${port}/jwks.json`);
    const res = await init(url, await sign(key, { sub: 'alice' }));
    assert.equal(res.status, 503, res.body);
    const bad = await init(url, 'not-a.jwt-at.all!');
    assert.equal(bad.status, 401, bad.body);
  });
});
