/** gateway.auth.sign_in in the config: defaults, keys and secrets from files, problems named at their line. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { diffConfigs, formatConfigDiff, keepSignIn } from '../../src/config/diff.js';
import { ConfigError, formatProblem } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { writeConfig } from '../helpers/gateway.js';

const IDP = '      idp: { issuer: "https://login.example.com", client_id: sb, client_secret: "${SECRET}" }\n';
const env = { SECRET: 'idp-secret-value' };
const load = (yaml: string, file = '/cfg/x.yaml', overrides: { host?: string; port?: number } = {}) =>
  parseConfig(yaml, file, { env, overrides });

function problems(yaml: string, file?: string, overrides?: { host?: string; port?: number }): string[] {
  try {
    load(yaml, file, overrides);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map(formatProblem);
  }
  assert.fail('expected a ConfigError');
}

const pem = () =>
  generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();

describe('gateway.auth.sign_in', () => {
  it('derives the issuer and resource on loopback, with safe defaults, and turns authentication on', () => {
    const c = load(`gateway:\n  port: 8080\n  auth:\n    sign_in:\n${IDP}`);
    const s = c.gateway.auth.signIn!;
    assert.equal(s.issuer, 'http://127.0.0.1:8080');
    assert.equal(s.resource, 'http://127.0.0.1:8080/mcp');
    assert.equal(c.gateway.auth.resource, 'http://127.0.0.1:8080/mcp');
    assert.equal(s.idp.clientSecret, 'idp-secret-value');
    assert.equal(s.idp.authMethod, 'client_secret_basic');
    assert.deepEqual(s.idp.scopes, ['openid', 'email', 'profile']);
    assert.deepEqual(s.scopes, ['mcp']);
    assert.equal(s.accessTokenTtlMs, 600_000);
    assert.equal(s.metadataDocuments.allowPrivateAddresses, false);
    assert.equal(s.keys.length, 0);
  });

  it('follows gateway.auth.resource behind a proxy, and allows a public bind', () => {
    const c = load(
      `gateway:\n  host: 0.0.0.0\n  allowed_hosts: [mcp.example.com]\n  auth:\n    resource: https://mcp.example.com/mcp\n    sign_in:\n${IDP}`,
    );
    assert.equal(c.gateway.auth.signIn!.issuer, 'https://mcp.example.com');
  });

  it('reads keys and the client secret from files', () => {
    const file = writeConfig('');
    const dir = dirname(file);
    writeFileSync(join(dir, 'k1.pem'), pem());
    writeFileSync(join(dir, 'k2.pem'), pem());
    writeFileSync(join(dir, 'secret'), 'from-a-file\n');
    const c = load(
      `gateway:\n  auth:\n    sign_in:\n      signing_keys: [{ key_file: k1.pem }, { key_file: k2.pem, kid: old }]\n      idp: { issuer: "https://login.example.com", client_id: sb, client_secret_file: secret }\n`,
      file,
      { port: 9000 },
    );
    const s = c.gateway.auth.signIn!;
    assert.equal(s.idp.clientSecret, 'from-a-file');
    assert.equal(s.keys.length, 2);
    assert.equal(s.keys[0]!.alg, 'ES256');
    assert.equal(s.keys[1]!.kid, 'old');
    assert.equal(s.keys[0]!.publicJwk.d, undefined);
  });

  it('names each problem at its line', () => {
    const file = writeConfig('');
    writeFileSync(
      join(dirname(file), 'rsa-small.pem'),
      generateKeyPairSync('rsa', { modulusLength: 1024 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
    );
    const found = problems(
      `gateway:
  redis: { url: "redis://127.0.0.1:6379" }
  auth:
    sign_in:
      signing_keys:
        - { key: "not a key" }
        - { key_file: rsa-small.pem }
        - { key: "x", key_file: y }
      idp: { client_id: sb, client_secret: a, client_secret_file: b, token_endpoint_auth_method: client_secret_post }
      access_token_ttl: 10ms
`,
      file,
    );
    const text = found.join('\n');
    assert.match(text, /:6:\d+: gateway\.auth\.sign_in\.signing_keys\.0\.key: not a private key/);
    assert.match(
      text,
      /:7:\d+: gateway\.auth\.sign_in\.signing_keys\.1\.key_file: an RSA key needs 2048 bits or more/,
    );
    assert.match(
      text,
      /:8:\d+: gateway\.auth\.sign_in\.signing_keys\.2: set exactly one of key and key_file/,
    );
    assert.match(
      text,
      /gateway\.auth\.sign_in\.idp: set issuer \(OpenID Connect\), or authorization_endpoint/,
    );
    assert.match(text, /client_secret_file: set at most one of client_secret and client_secret_file/);
    assert.match(text, /access_token_ttl: access_token_ttl must be 1s or longer/);
  });

  it('needs signing keys with Redis, and an issuer where none can be derived', () => {
    const redis = problems(
      `gateway:\n  redis: { url: "redis://127.0.0.1:6379" }\n  auth:\n    sign_in:\n${IDP}`,
    );
    assert.match(redis.join('\n'), /with Redis \(several replicas\), set signing_keys/);
    const publicBind = problems(`gateway:\n  host: 0.0.0.0\n  auth:\n    sign_in:\n${IDP}`);
    assert.match(publicBind.join('\n'), /set sign_in\.issuer .* or gateway\.auth\.resource/);
    const oauth2 = problems(
      `gateway:\n  auth:\n    sign_in:\n      idp: { authorization_endpoint: "https://github.com/login/oauth/authorize", token_endpoint: "https://github.com/login/oauth/access_token", client_id: x }\n`,
    );
    assert.match(oauth2.join('\n'), /needs userinfo_endpoint/);
  });

  it('needs a restart to change: a reload keeps the running sign-in, and the diff says so without values', () => {
    const before = load(`gateway:\n  auth:\n    sign_in:\n${IDP}`);
    const after = load(
      `gateway:\n  auth:\n    sign_in:\n${IDP.replace('client_id: sb', 'client_id: other')}`,
    );
    const lines = formatConfigDiff(diffConfigs(before, after));
    assert.ok(
      lines.some((l) => /gateway\.auth\.sign_in: "\[redacted\]" -> "\[redacted\]" \(needs a restart/.test(l)),
      lines.join('\n'),
    );
    assert.ok(!lines.join('\n').includes('idp-secret-value'));
    assert.equal(keepSignIn(before.gateway.auth, after.gateway.auth).signIn!.idp.clientId, 'sb');
  });
});
