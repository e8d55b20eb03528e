/** A local JWKS file as the key source, and gateway.auth changes applied by a config reload without a restart. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Gateway } from '../../../src/gateway.js';
import { fixtureStdio, startGateway } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';
import { AUDIENCE, ISSUER, makeKey, sign } from '../../helpers/jwt.js';

let gateway: Gateway | undefined;
after(() => gateway?.close());

const status = async (url: URL, headers: Record<string, string>) =>
  (await raw(url, 'POST', { ...json, ...headers }, JSON.stringify(INIT))).status;

describe('gateway.auth from a file, across reloads', () => {
  it('verifies tokens against jwks_file, and applies a changed auth section on reload', async () => {
    const key = await makeKey('file-1', 'ES256');
    const jwtYaml = `    jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, jwks_file: jwks.json }\n`;
    const yaml = (auth: string) => `gateway:\n  auth:\n${auth}mcpServers:\n${fixtureStdio('fx')}`;
    // The JWKS file sits next to the config; it is written before the first token is verified.
    const started = await startGateway(yaml(jwtYaml), false);
    gateway = started.gateway;
    const { url, file } = started;
    writeFileSync(join(dirname(file), 'jwks.json'), JSON.stringify({ keys: [key.jwk] }));
    const token = await sign(key, { sub: 'filer' });
    assert.equal(await status(url, { authorization: `Bearer ${token}` }), 200);
    const stranger = await sign(await makeKey('file-2'), { sub: 'filer' });
    assert.equal(await status(url, { authorization: `Bearer ${stranger}` }), 401);

    writeFileSync(file, yaml('    api_keys: [{ name: late, key: "added-by-reload-0123" }]\n'));
    assert.equal((await gateway.reload()).last, 'ok');
    assert.equal(await status(url, { 'x-api-key': 'added-by-reload-0123' }), 200, 'the new key works');
    assert.equal(await status(url, { authorization: `Bearer ${token}` }), 401, 'JWTs are no longer accepted');
    const metadata = await raw(new URL('/.well-known/oauth-protected-resource', url), 'GET', {});
    assert.equal(metadata.status, 404, 'no protected-resource metadata without JWT auth');
  });
});
