/** session_mode and its companion keys: defaults, normalisation and located errors. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';

const parse = (yaml: string) => parseConfig(yaml, '/tmp/switchboard.yaml', { env: {} });

function problems(yaml: string): string[] {
  try {
    parse(yaml);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.line}:${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

describe('session_mode config', () => {
  it('defaults to shared and normalises per_client settings', () => {
    const config = parse(`
mcpServers:
  a: { command: node }
  b: { command: node, session_mode: per_client, idle_timeout: 90s, max_sessions: 5 }
httpServices:
  c:
    base_url: http://127.0.0.1:1/mcp
    session_mode: per_client
    forward_headers: [Authorization, X-User]
`);
    const [a, b, c] = config.backends;
    assert.equal(a!.sessionMode, 'shared');
    assert.deepEqual([b!.sessionMode, b!.idleTimeoutMs, b!.maxSessions], ['per_client', 90_000, 5]);
    assert.equal(c!.sessionMode, 'per_client');
    assert.deepEqual(c!.forwardHeaders, ['authorization', 'x-user']);
    assert.equal(c!.idleTimeoutMs, 600_000);
  });

  it('refuses per-client keys without per_client, with single_session, and unforwardable headers', () => {
    const found = problems(`
httpServices:
  shared:
    base_url: http://127.0.0.1:1/mcp
    forward_headers: [Authorization]
  serial:
    base_url: http://127.0.0.1:1/mcp
    session_mode: per_client
    single_session: true
  hosty:
    base_url: http://127.0.0.1:1/mcp
    session_mode: per_client
    forward_headers: [Host]
`);
    assert.deepEqual(found, [
      '5:httpServices.shared.forward_headers: forward_headers applies only with session_mode: per_client',
      '8:httpServices.serial.session_mode: session_mode: per_client opens one upstream session per client; it cannot be combined with single_session: true',
      '13:httpServices.hosty.forward_headers.0: "Host" belongs to the gateway\'s own connection to the upstream and cannot be forwarded',
    ]);
  });

  it('has no forward_headers for stdio backends, which have no headers', () => {
    const found = problems(`
mcpServers:
  a: { command: node, session_mode: per_client, forward_headers: [X-User] }
`);
    assert.equal(found.length, 1);
    assert.match(found[0]!, /unknown key "forward_headers"/);
  });
});
