/** Config of upstream OAuth credentials: located problems, paths resolved, and OAuth errors described without secrets. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OAuthError } from '@modelcontextprotocol/client';
import { ConfigError, formatProblem } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { describeTokenFailure, scrub } from '../../src/backends/oauth/errors.js';

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, '/cfg/test.yaml', { env: {} });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map(formatProblem);
  }
  assert.fail('expected the config to be rejected');
}

describe('upstream OAuth config', () => {
  it('needs exactly one private key source, a client secret, and known keys, each at its position', () => {
    const found = problems(`
httpServices:
  both:
    base_url: http://x
    auth: { type: oauth_private_key_jwt, client_id: c, private_key: k, private_key_file: f }
  neither:
    base_url: http://x
    auth: { type: oauth_private_key_jwt, client_id: c }
`);
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(
      found[0]!,
      /:5:11: httpServices\.both\.auth: set exactly one of private_key and private_key_file/,
    );
    assert.match(
      found[1]!,
      /:8:11: httpServices\.neither\.auth: set exactly one of private_key and private_key_file/,
    );
    const schema = problems(`
sseServices:
  s:
    base_url: http://x
    auth: { type: oauth_client_credentials, client_id: c, token_endpoint_auth_method: private_key_jwt, scopes: a }
`);
    assert.ok(
      schema.some((p) => /missing required key "client_secret"/.test(p)),
      schema.join('\n'),
    );
    assert.ok(
      schema.some((p) => /unknown key "scopes" \(did you mean "scope"\?\)/.test(p)),
      schema.join('\n'),
    );
  });

  it('refuses token_exchange without gateway.credentials keys, a bad key, or on a stdio backend, each at its position', () => {
    const te = '{ type: token_exchange, token_endpoint: "http://as/token", client_id: c, client_secret: s }';
    const found = problems(`
httpServices:
  gh:
    base_url: http://x
    auth: ${te}
`);
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(
      found[0]!,
      /:5:11: httpServices\.gh\.auth: token_exchange .* set gateway\.credentials\.keys/,
    );
    const badKey = problems(`
gateway:
  credentials:
    keys: ["c2hvcnQ="]
sseServices:
  gh:
    base_url: http://x
    auth: ${te}
`);
    assert.equal(badKey.length, 1, badKey.join('\n'));
    assert.match(badKey[0]!, /gateway\.credentials\.keys\[?\.?0\]?: a store key is 32 bytes/);
    const stdio = problems(`
gateway:
  credentials: { keys: ["${Buffer.alloc(32, 1).toString('base64')}"] }
mcpServers:
  local:
    command: node
    auth: ${te}
`);
    assert.ok(
      stdio.some((p) => /mcpServers\.local.*unknown key "auth"/.test(p)),
      stdio.join('\n'),
    );
  });

  it('gives token_exchange backends the per-user session settings, and refuses single_session', () => {
    const keys = `gateway:\n  credentials: { keys: ["${Buffer.alloc(32, 1).toString('base64')}"] }\n`;
    const te = '{ type: token_exchange, token_endpoint: "http://as/token", client_id: c, client_secret: s }';
    const config = parseConfig(
      `${keys}httpServices:\n  gh:\n    base_url: http://x\n    idle_timeout: 5m\n    max_sessions: 10\n    auth: ${te}\n`,
      '/cfg/test.yaml',
      { env: {} },
    );
    assert.equal(config.backends[0]!.idleTimeoutMs, 300_000);
    const found = problems(
      `${keys}httpServices:\n  gh:\n    base_url: http://x\n    single_session: true\n    auth: ${te}\n`,
    );
    assert.equal(found.length, 1, found.join('\n'));
    assert.match(
      found[0]!,
      /httpServices\.gh\.single_session: auth: token_exchange opens one upstream session per user/,
    );
  });

  it('resolves private_key_file against the config folder and keeps the rest as written', () => {
    const config = parseConfig(
      `httpServices:\n  k:\n    base_url: http://x\n    auth: { type: oauth_private_key_jwt, client_id: c, private_key_file: keys/k.pem, scope: "a b" }\n`,
      '/cfg/test.yaml',
      { env: {} },
    );
    const spec = config.backends[0]!;
    assert.ok(spec.kind === 'http');
    assert.deepEqual(spec.auth, {
      type: 'oauth_private_key_jwt',
      client_id: 'c',
      private_key_file: '/cfg/keys/k.pem',
      scope: 'a b',
    });
  });

  it('describes token failures by OAuth error, HTTP status or network cause, and scrubs secrets', () => {
    assert.equal(
      describeTokenFailure(new OAuthError('invalid_client', 'Invalid client credentials')),
      'invalid_client (Invalid client credentials)',
    );
    assert.equal(describeTokenFailure(new OAuthError('invalid_scope', 'invalid_scope')), 'invalid_scope');
    assert.equal(
      describeTokenFailure(
        new OAuthError('server_error', 'HTTP 502: Invalid OAuth error response: … Raw body: <html>'),
      ),
      'HTTP 502 without an OAuth error body',
    );
    const refused = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
    });
    assert.equal(describeTokenFailure(refused), 'unreachable (ECONNREFUSED)');
    const auth = { type: 'oauth_client_credentials' as const, client_id: 'c', client_secret: 's3cr3t-value' };
    assert.equal(scrub('the server said s3cr3t-value is wrong', auth), 'the server said [redacted] is wrong');
  });
});
