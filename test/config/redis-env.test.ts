import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfig } from '../../src/config/load.js';

const parse = (yaml: string, env: NodeJS.ProcessEnv) => parseConfig(yaml, '/tmp/switchboard.yaml', { env });

describe('gateway.redis and REDIS_URL', () => {
  it('enables Redis from REDIS_URL when the file has no gateway.redis, with the default prefix and lease', () => {
    const c = parse('mcpServers: {}\n', { REDIS_URL: 'redis://r:6379' });
    assert.deepEqual(c.gateway.redis, { url: 'redis://r:6379', prefix: 'switchboard', leaseMs: 5000 });
  });

  it('prefers the file, and stays in-process without either', () => {
    const yaml = 'gateway:\n  redis: { url: "redis://file:1", prefix: p, lease: 2s }\nmcpServers: {}\n';
    const c = parse(yaml, { REDIS_URL: 'redis://env:2' });
    assert.deepEqual(c.gateway.redis, { url: 'redis://file:1', prefix: 'p', leaseMs: 2000 });
    assert.equal(parse('mcpServers: {}\n', {}).gateway.redis, undefined);
    assert.equal(parse('mcpServers: {}\n', { REDIS_URL: '' }).gateway.redis, undefined);
  });
});
