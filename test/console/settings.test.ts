/** gateway.console: defaults, the path's normal form, and paths that would shadow the gateway's own endpoints. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/config/errors.js';

const parse = (console: string) =>
  parseConfig(`gateway:\n  console: ${console}\n`, '/cfg/sb.yaml', { env: {} }).gateway.console;

describe('gateway.console', () => {
  it('defaults to enabled at /', () => {
    assert.deepEqual(parseConfig('{}\n', '/cfg/sb.yaml', { env: {} }).gateway.console, {
      enabled: true,
      path: '/',
    });
  });

  it('drops a trailing slash from the path', () => {
    assert.deepEqual(parse('{ path: /ops/console/ }'), { enabled: true, path: '/ops/console' });
    assert.deepEqual(parse('{ enabled: false }'), { enabled: false, path: '/' });
  });

  for (const path of ['/mcp', '/v1', '/v1/x', '/healthz', '/readyz', '/metrics', '/.well-known', 'console']) {
    it(`refuses path ${path}, naming the setting`, () => {
      assert.throws(
        () => parse(`{ path: ${path} }`),
        (err: unknown) => err instanceof ConfigError && /gateway\.console\.path/.test(err.message),
      );
    });
  }

  it('accepts paths that only start like a reserved one', () => {
    assert.equal(parse('{ path: /mcp-console }').path, '/mcp-console');
    assert.equal(parse('{ path: /v1console }').path, '/v1console');
  });
});
