/** The console's redacted config: no configured secret survives, wherever it sits; the rest is kept. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactedConfig } from '../../src/console/config.js';
import { parseConfig } from '../../src/config/load.js';

const SECRETS = {
  env: 'env-secret-AAAAAAAA',
  header: 'header-secret-BBBBBBB',
  bearer: 'bearer-secret-CCCCCCC',
  basic: 'basic-secret-DDDDDDDD',
  query: 'query-secret-EEEEEEEE',
  url: 'url-password-FFFFFFF',
  redis: 'redis-password-GGGGGG',
  state: 'state-secret-HHHHHHHHHHHHHHHHHHHHHHHH',
  apiKey: 'client-api-key-IIIIIII',
  disabledUrl: 'disabled-url-password-JJJJJJ',
  short: 'ab12',
};

const yaml = `gateway:
  request_state_secret: "${SECRETS.state}"
  redis: { url: "redis://:${SECRETS.redis}@127.0.0.1:6379" }
  auth:
    api_keys: [{ name: ci, key: "${SECRETS.apiKey}" }]
mcpServers:
  local:
    command: my-server
    args: ["--verbose"]
    env: { PLAIN_NAME: "${SECRETS.env}", SHORT: "${SECRETS.short}" }
httpServices:
  h: { base_url: "https://user:${SECRETS.url}@h.example.com/mcp", headers: { X-Custom: "${SECRETS.header}" } }
  b: { base_url: https://b.example.com/mcp, auth: { type: bearer, token: "${SECRETS.bearer}" } }
  q: { base_url: https://q.example.com/mcp, auth: { type: query_param, param: k, value: "${SECRETS.query}" } }
  s: { base_url: https://s.example.com/mcp, auth: { type: basic, username: svc, password: "${SECRETS.basic}" } }
  off: { enabled: false, base_url: "https://u:${SECRETS.disabledUrl}@off.example.com/mcp", request_timeout: 5s }
`;

describe('redactedConfig', () => {
  const config = parseConfig(yaml, '/cfg/sb.yaml', { env: {} });
  const shown = JSON.stringify(redactedConfig(config));

  for (const [where, secret] of Object.entries(SECRETS)) {
    it(`hides the ${where} secret`, () => {
      assert.ok(!shown.includes(secret), `${where} secret shown: ${shown}`);
    });
  }

  it('keeps what is not secret: commands, args, hosts, names, settings', () => {
    for (const kept of [
      'my-server',
      '--verbose',
      'h.example.com',
      'PLAIN_NAME',
      'X-Custom',
      '"username":"svc"',
      '"name":"ci"',
    ]) {
      assert.ok(shown.includes(kept), `${kept} missing: ${shown}`);
    }
  });

  it('shows the YAML keys of the file, not the internal model', () => {
    for (const key of [
      '"mcpServers"',
      '"httpServices"',
      '"request_state_secret"',
      '"api_keys"',
      '"base_url"',
    ]) {
      assert.ok(shown.includes(key), `${key} missing: ${shown}`);
    }
    assert.ok(shown.includes('"request_timeout":"5s"'), shown);
    for (const internal of ['backends', 'requestTimeoutMs', 'apiKeys', 'requestStateSecret']) {
      assert.ok(!shown.includes(`"${internal}"`), `${internal} shown: ${shown}`);
    }
  });

  it('leaves the running config untouched', () => {
    assert.equal((config.backends[0] as { env: Record<string, string> }).env.PLAIN_NAME, SECRETS.env);
  });
});
