/** gateway.auth in the config: secure-by-default binds, key digests, JWT settings, and the CLI's refusal line. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, formatProblem } from '../../src/config/errors.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { ROOT, writeConfig } from '../helpers/gateway.js';

const FILE = '/cfg/external-mcp-servers.yaml';
const load = (yaml: string, host?: string) =>
  parseConfig(yaml, FILE, { env: { KEY: 'from-the-environment-0123' }, overrides: { host } });

function problems(yaml: string, host?: string): string[] {
  try {
    load(yaml, host);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map(formatProblem);
  }
  assert.fail('expected a ConfigError');
}

const KEYS = 'gateway:\n  auth:\n    api_keys:\n      - { name: ci, key: "${KEY}" }\n';

describe('secure by default', () => {
  it('serves without authentication on loopback, as before', () => {
    for (const host of [undefined, '127.0.0.1', 'localhost', '::1']) {
      assert.equal(load('mcpServers: {}\n', host).gateway.auth.apiKeys.length, 0);
    }
  });

  it('refuses a non-loopback bind without authentication, in one line naming the fix', () => {
    const fromFile = problems('gateway:\n  host: 0.0.0.0\n');
    assert.equal(fromFile.length, 1);
    assert.match(
      fromFile[0]!,
      /^\/cfg\/external-mcp-servers\.yaml:2:9: gateway\.host: listening on 0\.0\.0\.0 without client authentication: configure gateway\.auth\.api_keys, gateway\.auth\.jwt or gateway\.auth\.sign_in, or set gateway\.auth\.allow_unauthenticated: true$/,
    );
    assert.equal(problems('mcpServers: {}\n', '10.0.0.5').length, 1, 'a --host override too');
  });

  it('allows a non-loopback bind with authentication or the explicit opt-out', () => {
    assert.equal(load(KEYS, '0.0.0.0').gateway.host, '0.0.0.0');
    const optOut = load('gateway:\n  auth: { allow_unauthenticated: true }\n', '0.0.0.0');
    assert.equal(optOut.gateway.auth.allowUnauthenticated, true);
  });

  it('prints the refusal from the CLI without a stack trace, and starts nothing', () => {
    const file = writeConfig('mcpServers: {}\n');
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        join(ROOT, 'src/cli.ts'),
        'serve',
        '--config',
        file,
        '--host',
        '0.0.0.0',
        '--port',
        '0',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(run.status, 1);
    const lines = run.stderr.trim().split('\n');
    assert.match(
      lines[0]!,
      /gateway\.host: listening on 0\.0\.0\.0 without client authentication: configure/,
    );
    assert.equal(lines[1], '1 problem(s) in the config; nothing was started');
    assert.equal(lines.length, 2, run.stderr);
    assert.equal(run.stdout, '');
  });
});

describe('gateway.auth settings', () => {
  it('keeps keys only as SHA-256 digests, from a value or given as sha256:<hex>', () => {
    const digest = createHash('sha256').update('from-the-environment-0123').digest('hex');
    const yaml = `${KEYS}      - { name: ops, key: "sha256:${digest.toUpperCase()}", operator: true, scopes: [a] }\n`;
    const { apiKeys, operatorScope } = load(yaml).gateway.auth;
    assert.deepEqual(apiKeys, [
      { name: 'ci', sha256: digest, scopes: [], operator: false },
      { name: 'ops', sha256: digest, scopes: ['a'], operator: true },
    ]);
    assert.equal(operatorScope, 'switchboard:operator');
  });

  it('applies JWT defaults and resolves jwks_file against the config folder', () => {
    const jwt = load(
      'gateway:\n  auth:\n    jwt: { issuer: "https://i.test", audience: api, jwks_file: keys/jwks.json }\n',
    ).gateway.auth.jwt;
    assert.deepEqual(jwt, {
      issuer: 'https://i.test',
      audience: ['api'],
      jwksUrl: undefined,
      jwksFile: '/cfg/keys/jwks.json',
      jwksCooldownMs: 30_000,
      algorithms: ['RS256', 'ES256'],
      clockToleranceMs: 30_000,
      requiredScopes: [],
      authorizationServers: ['https://i.test'],
      groupsClaim: 'groups',
    });
  });

  it('reports a JWT setting without exactly one key source, duplicate names, short keys, bad digests, typos', () => {
    const jwt = problems('gateway:\n  auth:\n    jwt: { issuer: "https://i.test", audience: api }\n');
    assert.match(jwt.join('\n'), /gateway\.auth\.jwt: set exactly one of jwks_url and jwks_file/);
    const dup = problems(`${KEYS}      - { name: ci, key: "another-key-0123456789" }\n`);
    assert.match(dup.join('\n'), /gateway\.auth\.api_keys\.1\.name: key name "ci" is already used/);
    const short = problems('gateway:\n  auth:\n    api_keys: [{ name: a, key: short }]\n');
    assert.match(short.join('\n'), /gateway\.auth\.api_keys\.0\.key: must NOT have fewer than 16 characters/);
    const digest = problems(
      'gateway:\n  auth:\n    api_keys: [{ name: a, key: "sha256:0123456789abcdef" }]\n',
    );
    assert.match(digest.join('\n'), /api_keys\.0\.key: a hashed key is "sha256:" and 64 hex digits/);
    const typo = problems('gateway:\n  auth:\n    allow_unauthenticatd: true\n');
    assert.match(typo.join('\n'), /did you mean "allow_unauthenticated"/);
  });

  it('ships working examples: the container config needs SWITCHBOARD_API_KEY, in one problem', () => {
    const container = join(ROOT, 'examples/container.yaml');
    const ok = loadConfig(container, { env: { SWITCHBOARD_API_KEY: 'k'.repeat(24) } });
    assert.equal(ok.gateway.host, '0.0.0.0');
    assert.equal(ok.gateway.auth.apiKeys[0]!.operator, true);
    assert.throws(
      () => loadConfig(container, { env: {} }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.length === 1 &&
        /api_keys\.0\.key: environment variable SWITCHBOARD_API_KEY is not set/.test(err.message),
    );
    const jwt = loadConfig(join(ROOT, 'examples/jwt.yaml'), { env: {} }).gateway.auth.jwt;
    assert.equal(jwt?.jwksFile, join(ROOT, 'examples/jwks.json'));
  });
});

describe('gateway.auth.policies', () => {
  it('normalises rules: every glob field a list, absent allow = everything, rate limits in ms', () => {
    const auth = load(`${KEYS}    rate_limit: { rate: 5 }
    policies:
      - match: { key: ci, group: [ops, "dev-*"] }
        allow: { tools: "github__*" }
        deny: { backends: [prod] }
        rate_limit: { rate: 2, per: 1m, burst: 10 }
        max_sessions: 3
      - { name: everyone, match: { principal: "*" } }
`).gateway.auth;
    assert.deepEqual(auth.policies[0], {
      name: 'rule 1',
      match: { key: ['ci'], group: ['ops', 'dev-*'] },
      allow: { tools: ['github__*'], backends: [] },
      deny: { tools: [], backends: ['prod'] },
      rateLimit: { rate: 2, perMs: 60_000, burst: 10 },
      maxSessions: 3,
    });
    assert.equal(auth.policies[1]!.allow, undefined);
    assert.deepEqual(auth.rateLimit, { rate: 5, perMs: 1000, burst: 5 });
    assert.equal(auth.rateLimitFailMode, 'open');
  });

  it('reports located problems: a rule without match, an unknown match field, policies without authentication', () => {
    const found = problems(`${KEYS}    policies:
      - allow: { tools: "*" }
      - match: { user: ci }
`);
    assert.ok(
      found.some((p) => /:6:9: gateway\.auth\.policies\.0: .*match/.test(p)),
      found.join('\n'),
    );
    assert.ok(
      found.some((p) => /gateway\.auth\.policies\.1\.match\.user/.test(p)),
      found.join('\n'),
    );
    const unknownKey = problems(`${KEYS}    policies: [{ match: { key: [ci, cj, "c*"] } }]\n`);
    assert.deepEqual(
      unknownKey.map((p) => p.replace(/^.*?: /, '')),
      ['gateway.auth.policies.0.match.key: no API key is named "cj"'],
    );
    const open = problems('gateway:\n  auth:\n    policies:\n      - match: { principal: ci }\n');
    assert.equal(open.length, 1);
    assert.match(open[0]!, /:3:5: gateway\.auth\.policies: policies needs client authentication/);
  });
});
