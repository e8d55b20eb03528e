/** The secrets a config holds, found along the schema's `x-secret` marks: none can be forgotten. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { SECRET_KEYWORD, secretValues } from '../../src/config/secret-values.js';
import { configSchema } from '../../src/config/validate.js';

type Node = Record<string, unknown>;

/** Every property of the schema, wherever it is defined, as [path, its schema with $ref resolved]. */
function properties(schema: Node): [string, Node][] {
  const defs = schema.$defs as Record<string, Node>;
  const out: [string, Node][] = [];
  const resolve = (n: Node): Node =>
    typeof n.$ref === 'string' ? { ...defs[n.$ref.replace('#/$defs/', '')], ...n } : n;
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}[${i}]`));
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node as Node)) {
      if (k === 'properties') {
        for (const [name, sub] of Object.entries(v as Record<string, Node>)) {
          out.push([`${path}.${name}`, resolve(sub)]);
          walk(sub, `${path}.${name}`);
        }
      } else walk(v, `${path}/${k}`);
    }
  };
  walk(schema, '#');
  return out;
}

/** A property holding text: a string, a list of strings, an enum, or either of the first two. */
function holdsText(n: Node): boolean {
  const types = [n.type, ...((n.anyOf as Node[] | undefined) ?? []).map((b) => b.type)].flat();
  return types.includes('string') || Array.isArray(n.enum);
}

describe('the schema marks its secrets', () => {
  it('every text field whose name looks secret says whether it is (x-secret)', () => {
    const looksSecret = /secret|password|passwd|token|key|private|credential/i;
    const unmarked = properties(configSchema)
      .filter(([path, n]) => looksSecret.test(path.split('.').at(-1)!) && holdsText(n))
      .filter(([, n]) => !(SECRET_KEYWORD in n))
      .map(([path]) => path);
    assert.deepEqual(unmarked, [], `mark these x-secret: true, "file" or false: ${unmarked.join(', ')}`);
  });

  it('string maps (env, headers) are secret value by value', () => {
    const map = (configSchema.$defs as Record<string, Node>).stringMap!;
    assert.equal((map.additionalProperties as Node)[SECRET_KEYWORD], true);
  });
});

describe('secretValues', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-secrets-'));
  writeFileSync(join(dir, 'signer.pem'), 'file-key-FFFFFFFFFFFFFFFF\n');
  const pem = `-----BEGIN PRIVATE KEY-----\n${'A'.repeat(64)}\n${'B'.repeat(20)}\n-----END PRIVATE KEY-----`;
  const yaml = `gateway:
  request_state_secret: "state-secret-0000000000000000000000000"
  redis: { url: "redis://:redis-pass-1111@127.0.0.1:6379" }
  auth:
    api_keys: [{ name: ci, key: "client-key-2222222222" }]
    policies: [{ name: bots, match: { key: [ci] } }]
  discovery:
    embeddings: { url: "http://127.0.0.1:1/v1", model: m, api_key: "embed-key-3333" }
mcpServers:
  s: { command: x, env: { TOKEN: "env-value-4444" } }
httpServices:
  a: { base_url: "https://u:url-pass-5555@a.example.com/mcp", headers: { X-K: "header-6666" }, auth: { type: bearer, token: "bearer-7777" } }
  b: { base_url: https://b.example.com/mcp, auth: { type: api_key, key: "apikey-8888" } }
  c: { base_url: https://c.example.com/mcp, auth: { type: basic, username: svc, password: "basic-9999" } }
  d: { base_url: https://d.example.com/mcp, auth: { type: oauth_client_credentials, client_id: crm, client_secret: "client-secret-AAAA", token_endpoint: "https://as.example.com/token" } }
  e: { base_url: https://e.example.com/mcp, auth: { type: oauth_private_key_jwt, client_id: e, private_key: ${JSON.stringify(pem)} } }
  f: { base_url: https://f.example.com/mcp, auth: { type: oauth_private_key_jwt, client_id: f, private_key_file: signer.pem } }
sseServices:
  q: { base_url: https://q.example.com/sse, auth: { type: query_param, param: k, value: "query-BBBB" } }
`;
  const config = parseConfig(yaml, join(dir, 'sb.yaml'), { env: {} });

  it('finds every marked value, URL passwords, key file contents and the lines of a multi-line key', () => {
    const found = new Set(config.secrets);
    for (const secret of [
      'state-secret-0000000000000000000000000',
      'redis-pass-1111',
      'client-key-2222222222',
      'embed-key-3333',
      'env-value-4444',
      'url-pass-5555',
      'header-6666',
      'bearer-7777',
      'apikey-8888',
      'basic-9999',
      'client-secret-AAAA',
      'query-BBBB',
      pem,
      'A'.repeat(64),
      'B'.repeat(20),
      '-----BEGIN PRIVATE KEY-----',
      'file-key-FFFFFFFFFFFFFFFF',
    ]) {
      assert.ok(found.has(secret), `${secret.slice(0, 30)} not found`);
    }
  });

  it('leaves what is not secret: names, URLs, endpoints, policy key names', () => {
    for (const kept of ['crm', 'svc', 'ci', 'https://as.example.com/token', 'signer.pem', 'TOKEN', 'k']) {
      assert.ok(!config.secrets.includes(kept), `${kept} taken for a secret`);
    }
  });

  it('follows the discriminator: only the branch the auth type names is read', () => {
    const schema: Node = {
      $defs: {},
      discriminator: { propertyName: 'type' },
      oneOf: [
        { properties: { type: { const: 'a' }, v: { type: 'string', [SECRET_KEYWORD]: true } } },
        { properties: { type: { const: 'b' }, v: { type: 'string' } } },
      ],
    };
    assert.deepEqual(secretValues({ type: 'a', v: 'secret-one' }, schema, dir), ['secret-one']);
    assert.deepEqual(secretValues({ type: 'b', v: 'plain-text' }, schema, dir), []);
  });
});
