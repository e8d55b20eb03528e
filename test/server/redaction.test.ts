/** Secrets never leave in messages: config validation, log lines at any depth, a child's stderr. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, formatProblem } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { maskSecrets, redactDeep, setSecrets } from '../../src/log.js';
import { fixtureStdio, ROOT, stopProcess, waitFor, writeConfig } from '../helpers/gateway.js';

const SECRET = 's3cret-Pa55word-0123';

function problems(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(yaml, '/cfg/sb.yaml', { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map(formatProblem);
  }
  assert.fail('expected a ConfigError');
}

describe('validation messages', () => {
  it('never echo a secret in a pattern error, from the file or from ${VAR}', () => {
    const inline = problems(
      `gateway:\n  redis: { url: "http://user:${SECRET}@redis:6379/0?password=${SECRET}" }\n`,
    );
    assert.equal(inline.length, 1);
    assert.match(inline[0]!, /gateway\.redis\.url: .*http:\/\/\*\*\*@redis:6379\/0\?\*\*\*/);
    assert.ok(!inline[0]!.includes(SECRET), inline[0]);
    const fromEnv = problems('gateway:\n  redis: { url: "${REDIS_URL}" }\n', {
      REDIS_URL: `tcp://:${SECRET}@10.0.0.1`,
    });
    assert.ok(!fromEnv.join('\n').includes(SECRET), fromEnv.join('\n'));
    const token = problems(
      `httpServices:\n  a:\n    base_url: "${SECRET}"\n    auth: { type: bearer, token: "x" }\n`,
    );
    assert.ok(token.length >= 1 && !token.join('\n').includes(SECRET), token.join('\n'));
  });
});

describe('log lines', () => {
  it('censor secret-named keys at any depth, and leave the rest', () => {
    const line = redactDeep({
      backend: 'gh',
      upstream: { request: { headers: { Authorization: `Bearer ${SECRET}`, accept: 'json' } } },
      list: [{ deep: { deeper: { api_key: SECRET, client_secret: SECRET, refreshToken: SECRET } } }],
      password: SECRET,
    });
    assert.ok(!JSON.stringify(line).includes(SECRET), JSON.stringify(line));
    assert.equal((line as { backend: string }).backend, 'gh');
    assert.match(JSON.stringify(line), /"accept":"json"/);
  });

  it('mask configured secret values in a line', () => {
    setSecrets([SECRET, 'short']);
    assert.equal(maskSecrets(`token=${SECRET}; also short`), 'token=[redacted]; also short');
    setSecrets([]);
  });
});

describe("a stdio child's stderr", () => {
  it('is logged with configured secret values masked', async () => {
    const file = writeConfig(
      `mcpServers:\n${fixtureStdio('fx', '', { SERVICE_TOKEN: SECRET, FIXTURE_STDERR_ENV: 'SERVICE_TOKEN' })}`,
    );
    const args = [
      '--import',
      'tsx',
      join(ROOT, 'src/cli.ts'),
      'serve',
      '--config',
      file,
      '--port',
      '0',
      '--no-watch',
    ];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, SWITCHBOARD_LOG_LEVEL: 'info' },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await waitFor(() => err.includes('logging in with'), 90_000, "the child's stderr line is logged");
      const line = err.split('\n').find((l) => l.includes('logging in with'))!;
      assert.match(line, /fx: logging in with \[redacted\] \(from /);
      assert.ok(!err.includes(SECRET), 'the secret appears nowhere in the log');
    } finally {
      await stopProcess(child);
    }
  });
});

describe('a stdio child echoing every kind of secret the config holds', () => {
  it('has each one masked in the gateway log, a multi-line key line by line', async () => {
    const pem = `-----BEGIN PRIVATE KEY-----\n${'Q'.repeat(64)}\n${'R'.repeat(64)}\n-----END PRIVATE KEY-----`;
    const secrets: Record<string, string> = {
      CRM_CLIENT_SECRET: 'crm-client-secret-0001',
      SIGNER_KEY: pem,
      CLIENT_API_KEY: 'client-api-key-000000002',
      BEARER_TOKEN: 'bearer-token-0003',
      QUERY_VALUE: 'query-value-0004',
      BASIC_PASSWORD: 'basic-password-0005',
      HEADER_VALUE: 'header-value-0006',
      URL_PASSWORD: 'url-password-0007',
      STATE_SECRET: 'state-secret-0008-0123456789abcdef01234',
      EMBEDDINGS_KEY: 'embeddings-key-0009',
    };
    const down = 'http://127.0.0.1:9';
    const file = writeConfig(`gateway:
  request_state_secret: "\${STATE_SECRET}"
  auth:
    api_keys: [{ name: ci, key: "\${CLIENT_API_KEY}" }]
  discovery:
    embeddings: { url: "${down}/v1", model: m, api_key: "\${EMBEDDINGS_KEY}" }
mcpServers:
${fixtureStdio('fx', '    inherit_env: true\n', { FIXTURE_STDERR_ENV: Object.keys(secrets).join(',') })}httpServices:
  crm: { base_url: "${down}/mcp", restart: { max_attempts: 1 }, auth: { type: oauth_client_credentials, client_id: crm, client_secret: "\${CRM_CLIENT_SECRET}", token_endpoint: "${down}/token" } }
  signer: { base_url: "${down}/mcp", restart: { max_attempts: 1 }, auth: { type: oauth_private_key_jwt, client_id: s, private_key: "\${SIGNER_KEY}", token_endpoint: "${down}/token" } }
  bearer: { base_url: "http://user:\${URL_PASSWORD}@127.0.0.1:9/mcp", restart: { max_attempts: 1 }, headers: { X-Custom: "\${HEADER_VALUE}" }, auth: { type: bearer, token: "\${BEARER_TOKEN}" } }
  basic: { base_url: "${down}/mcp", restart: { max_attempts: 1 }, auth: { type: basic, username: svc, password: "\${BASIC_PASSWORD}" } }
sseServices:
  query: { base_url: "${down}/sse", reconnect: false, auth: { type: query_param, param: k, value: "\${QUERY_VALUE}" } }
`);
    const args = [
      '--import',
      'tsx',
      join(ROOT, 'src/cli.ts'),
      'serve',
      '--config',
      file,
      '--port',
      '0',
      '--no-watch',
    ];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...secrets, SWITCHBOARD_LOG_LEVEL: 'info', SWITCHBOARD_LOG_FORMAT: 'json' },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    try {
      await waitFor(
        () => Object.keys(secrets).every((name) => err.includes(`(from ${name})`)),
        90_000,
        "the child's stderr lines are logged",
      );
      for (const name of Object.keys(secrets)) {
        const line = err.split('\n').find((l) => l.includes(`(from ${name})`))!;
        assert.match(line, /logging in with \[redacted\]|\[redacted\] \(from /, line);
      }
      for (const [name, value] of Object.entries(secrets)) {
        for (const part of value.split('\n'))
          assert.ok(!err.includes(part), `${name} leaked: ${part.slice(0, 20)}`);
      }
    } finally {
      await stopProcess(child);
    }
  });
});
