/**
 * DNS rebinding against every route: a foreign Host or Origin is refused everywhere (operator routes, the
 * console, REST, /ws, /sse, /.well-known, unknown paths), and the probes get their status alone. A
 * non-loopback bind without gateway.allowed_hosts says so once at start.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { Gateway } from '../../../src/gateway.js';
import { log } from '../../../src/log.js';
import { fixtureStdio, startGateway, writeConfig } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';

/** Every kind of route the gateway serves, as [method, path, body?]. */
const ROUTES: [string, string, string?][] = [
  ['GET', '/metrics'],
  ['GET', '/.well-known/oauth-protected-resource'],
  ['GET', '/.well-known/oauth-protected-resource/mcp'],
  ['POST', '/mcp', JSON.stringify(INIT)],
  ['GET', '/mcp'],
  ['DELETE', '/mcp'],
  ['OPTIONS', '/mcp'],
  ['PUT', '/mcp'],
  ['GET', '/v1/tools'],
  ['GET', '/v1/tools/fx__add'],
  ['POST', '/v1/tools/fx__add/call', '{"a":1,"b":2}'],
  ['GET', '/v1/backends'],
  ['GET', '/v1/config'],
  ['GET', '/v1/events'],
  ['GET', '/openapi.json'],
  ['GET', '/'],
  ['GET', '/index.html'],
  ['GET', '/sse'],
  ['POST', '/messages?sessionId=x', '{}'],
  ['GET', '/ws'],
  ['GET', '/no-such-route'],
];

const FOREIGN: { name: string; headers: Record<string, string> }[] = [
  { name: 'Host', headers: { host: 'evil.example.com' } },
  { name: 'Origin', headers: { origin: 'http://evil.example.com' } },
];

describe('DNS-rebinding checks on every route', () => {
  let gateway: Gateway;
  let url: URL;
  before(async () => {
    ({ gateway, url } = await startGateway(`mcpServers:\n${fixtureStdio('fx')}`));
  });
  after(() => gateway.close());

  for (const foreign of FOREIGN) {
    it(`refuses a foreign ${foreign.name} with 403 naming the setting, on every route but the probes`, async () => {
      for (const [method, path, body] of ROUTES) {
        // Public metadata is read across origins by design: only its Host is checked (below).
        if (foreign.name === 'Origin' && path.startsWith('/.well-known/')) continue;
        const headers: Record<string, string> = { ...json, ...foreign.headers };
        if (path === '/ws') Object.assign(headers, { connection: 'Upgrade', upgrade: 'websocket' });
        const res = await raw(new URL(path, url), method, headers, body);
        const where = `${method} ${path}: ${res.status} ${res.body.slice(0, 200)}`;
        assert.equal(res.status, 403, where);
        assert.match(res.body, /is not allowed \(gateway\.allowed_(hosts|origins)\)/, where);
        assert.doesNotMatch(res.body, /fx__add|"fx"|config|pid/, where);
      }
    });

    it(`answers /readyz and /healthz from a foreign ${foreign.name} with the status alone`, async () => {
      const readyz = await raw(new URL('/readyz', url), 'GET', foreign.headers);
      assert.equal(readyz.status, 200);
      assert.deepEqual(JSON.parse(readyz.body), { status: 'ready' });
      const healthz = await raw(new URL('/healthz', url), 'GET', foreign.headers);
      assert.equal(healthz.status, 200);
      assert.deepEqual(JSON.parse(healthz.body), { status: 'ok' });
    });
  }

  it('lets public metadata be read from any Origin, but only under an allowed Host', async () => {
    const path = new URL('/.well-known/oauth-protected-resource', url);
    const crossOrigin = await raw(path, 'GET', { origin: 'http://evil.example.com' });
    assert.notEqual(crossOrigin.status, 403, crossOrigin.body);
    const rebound = await raw(path, 'GET', { host: 'evil.example.com' });
    assert.equal(rebound.status, 403);
  });

  it('answers REST refusals as problems, and serves an allowed Host in full', async () => {
    const rest = await raw(new URL('/v1/tools', url), 'GET', { host: 'evil.example.com' });
    assert.equal(rest.status, 403);
    assert.match(String(rest.headers['content-type']), /application\/problem\+json/);
    assert.equal(JSON.parse(rest.body).code, 'forbidden');
    const readyz = await raw(new URL('/readyz', url), 'GET', { host: `localhost:${url.port}` });
    assert.equal(readyz.status, 200);
    assert.ok(JSON.parse(readyz.body).backends.fx, readyz.body);
    const metrics = await raw(new URL('/metrics', url), 'GET', { host: `127.0.0.1:${url.port}` });
    assert.equal(metrics.status, 200);
  });
});

describe('a non-loopback bind without gateway.allowed_hosts', () => {
  async function warningsAtStart(gatewayYaml: string): Promise<string[]> {
    const file = writeConfig(`gateway:\n${gatewayYaml}mcpServers: {}\n`);
    const options = { overrides: { port: 0, host: '0.0.0.0' } };
    const gateway = new Gateway(loadConfig(file, options), options);
    const lines: string[] = [];
    const warn = log.warn.bind(log);
    log.warn = ((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      return (warn as (...a: unknown[]) => void)(...args);
    }) as typeof log.warn;
    try {
      await gateway.start();
    } finally {
      log.warn = warn;
      await gateway.close();
    }
    return lines.filter((l) => l.includes('allowed_hosts'));
  }

  it('logs one warning line at start naming gateway.allowed_hosts', async () => {
    const lines = await warningsAtStart(
      '  auth:\n    api_keys: [{ name: ci, key: "0123456789abcdef0123" }]\n',
    );
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0]!, /gateway\.allowed_hosts is not set: listening on 0\.0\.0\.0/);
  });

  it('stays quiet when allowed_hosts is set', async () => {
    const lines = await warningsAtStart(
      '  allowed_hosts: [mcp.example.com]\n  auth:\n    api_keys: [{ name: ci, key: "0123456789abcdef0123" }]\n',
    );
    assert.deepEqual(lines, []);
  });
});
