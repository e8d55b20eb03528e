/** Config loading: interpolation, validation errors with file:line:col and key path, normalisation. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, formatProblem } from '../../src/config/errors.js';
import { interpolate, parseDuration } from '../../src/config/interpolate.js';
import { loadConfig, parseConfig } from '../../src/config/load.js';
import { didYouMean } from '../../src/config/validate.js';

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(yaml, '/cfg/test.yaml', { env });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err.problems.map(formatProblem);
  }
  assert.fail('expected the config to be rejected');
}

describe('interpolate', () => {
  it('expands set variables, defaults, empty values and escapes', () => {
    const env = { A: 'x', EMPTY: '' };
    assert.deepEqual(interpolate('${A}-${B:-d}', env), { value: 'x-d', missing: [] });
    assert.deepEqual(interpolate('${EMPTY:-d}|${EMPTY-d}', env), { value: 'd|', missing: [] });
    assert.deepEqual(interpolate('$${A}', env), { value: '${A}', missing: [] });
    assert.deepEqual(interpolate('a ${NOPE} b ${ALSO}', env), { value: 'a  b ', missing: ['NOPE', 'ALSO'] });
  });

  it('parses durations', () => {
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('2m'), 120_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.throws(() => parseDuration('soon'));
  });
});

describe('validation errors', () => {
  it('reports YAML syntax errors with line and column', () => {
    const [p] = problems('mcpServers:\n  a: [unclosed\n');
    assert.match(p!, /^\/cfg\/test\.yaml:\d+:\d+: YAML: /);
  });

  it('reports an unknown key at its position with a did-you-mean hint', () => {
    assert.deepEqual(problems('gateway:\n  prot: 8080\n'), [
      '/cfg/test.yaml:2:3: gateway.prot: unknown key "prot" (did you mean "port"?)',
    ]);
    assert.deepEqual(problems('mcpServers:\n  fs:\n    command: x\n    agrs: []\n'), [
      '/cfg/test.yaml:4:5: mcpServers.fs.agrs: unknown key "agrs" (did you mean "args"?)',
    ]);
  });

  it('reports missing required keys, wrong types and bad patterns, all at once', () => {
    const found = problems(`
mcpServers:
  fs:
    args: [a]
httpServices:
  web:
    base_url: ftp://x
    single_session: maybe
`);
    assert.deepEqual(found, [
      '/cfg/test.yaml:4:5: mcpServers.fs: missing required key "command"',
      '/cfg/test.yaml:7:15: httpServices.web.base_url: invalid value "ftp://x": An http:// or https:// URL: the upstream\'s Streamable HTTP endpoint, e.g. https://mcp.example.com/mcp.',
      '/cfg/test.yaml:8:21: httpServices.web.single_session: must be boolean',
    ]);
  });

  it('reports bad durations, backend names and auth blocks', () => {
    const found = problems(`
httpServices:
  "bad name":
    base_url: http://x
  ok:
    base_url: http://x
    request_timeout: soon
    auth: { type: bearer }
  other:
    base_url: http://x
    auth: { type: kerberos }
`);
    assert.equal(found.length, 4, found.join('\n'));
    assert.match(found[0]!, /:3:3: httpServices\.bad name: invalid name "bad name"/);
    assert.match(found[1]!, /:7:22: httpServices\.ok\.request_timeout: invalid value "soon": A duration/);
    assert.match(found[2]!, /:8:11: httpServices\.ok\.auth: missing required key "token"/);
    assert.match(found[3]!, /:11:19: httpServices\.other\.auth\.type: must be one of "bearer"/);
  });

  it('names an unset variable and where it is used', () => {
    assert.deepEqual(
      problems(
        'httpServices:\n  web:\n    base_url: http://x\n    auth: { type: bearer, token: "${TOKEN}" }\n',
      ),
      [
        '/cfg/test.yaml:4:34: httpServices.web.auth.token: environment variable TOKEN is not set (use ${TOKEN:-default} for a default)',
      ],
    );
  });

  it('rejects a backend name used in two sections', () => {
    const found = problems(
      'mcpServers:\n  a: { command: x }\nhttpServices:\n  a: { base_url: "http://x" }\n',
    );
    assert.deepEqual(found, [
      '/cfg/test.yaml:4:3: httpServices.a: backend name "a" is already used in mcpServers',
    ]);
  });

  it('reports a missing file as a problem, not a stack trace', () => {
    assert.throws(
      () => loadConfig('/nonexistent/switchboard.yaml'),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(formatProblem(err.problems[0]!), '/nonexistent/switchboard.yaml:1:1: file not found');
        return true;
      },
    );
  });

  it('suggests only close keys', () => {
    assert.equal(didYouMean('comand', ['command', 'args']), 'command');
    assert.equal(didYouMean('zzzzzz', ['command', 'args']), undefined);
  });
});

describe('normalisation', () => {
  it('applies defaults, interpolated and coerced values, and resolves paths against the file', () => {
    const config = parseConfig(
      `
gateway:
  port: \${PORT:-9000}
  request_timeout: 5s
mcpServers:
  fs:
    command: node
    cwd: sub
    tools: { exclude: ["delete_*"] }
  off: { command: x, enabled: false }
httpServices:
  web:
    base_url: http://h/mcp
    prefix: false
    request_timeout: 250
sseServices:
  old:
    base_url: http://h/sse
    reconnect_delay_ms: 100
`,
      '/cfg/test.yaml',
      { env: {} },
    );
    assert.equal(config.gateway.port, 9000);
    assert.equal(config.gateway.host, '127.0.0.1');
    assert.deepEqual(config.gateway.allowedHosts, ['localhost', '127.0.0.1', '[::1]']);
    assert.deepEqual(config.disabled, ['off']);
    const [fs, web, old] = config.backends;
    assert.equal(fs!.kind === 'stdio' && fs!.cwd, '/cfg/sub');
    assert.equal(fs!.requestTimeoutMs, 5000);
    assert.equal(fs!.prefix, 'fs');
    assert.deepEqual(fs!.tools, { include: [], exclude: ['delete_*'] });
    assert.equal(web!.prefix, null);
    assert.equal(web!.requestTimeoutMs, 250);
    assert.equal(old!.kind === 'sse' && old!.restart.initialDelayMs, 100);
  });

  it('lets command-line overrides win and drops the Host check only for non-loopback binds without a list', () => {
    const yaml = 'gateway:\n  port: 1\n  auth: { allow_unauthenticated: true }\n';
    const config = parseConfig(yaml, '/cfg/t.yaml', { overrides: { port: 2, host: '0.0.0.0' } });
    assert.equal(config.gateway.port, 2);
    assert.equal(config.gateway.allowedHosts, undefined);
  });

  it('loads the shipped external-mcp-servers.yaml', () => {
    const config = loadConfig('external-mcp-servers.yaml', { env: {} });
    assert.deepEqual(
      config.backends.map((b) => b.name),
      ['everything', 'memory'],
    );
  });
});
