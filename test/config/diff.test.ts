/** What a reload would do: backends added/removed/changed (live vs replaced), settings, names, tools. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JSONValue, Tool } from '@modelcontextprotocol/server';
import {
  connectionKey,
  diffConfigs,
  diffTools,
  formatConfigDiff,
  isEmptyDiff,
} from '../../src/config/diff.js';
import { parseConfig } from '../../src/config/load.js';
import type { StdioSpec } from '../../src/config/model.js';

const parse = (yaml: string) => parseConfig(yaml, '/tmp/switchboard.yaml', { env: {} });

const BASE = `
gateway:
  port: 8080
mcpServers:
  fs:
    command: node
    args: [fs.js]
    env: { A: "1", B: "2" }
httpServices:
  api:
    base_url: http://127.0.0.1:3000/mcp
`;

describe('diffConfigs', () => {
  it('finds nothing between a config and itself, nor when only key order changes', () => {
    assert.ok(isEmptyDiff(diffConfigs(parse(BASE), parse(BASE))));
    const reordered = BASE.replace('env: { A: "1", B: "2" }', 'env: { B: "2", A: "1" }');
    assert.ok(isEmptyDiff(diffConfigs(parse(BASE), parse(reordered))));
  });

  it('reports added, removed and renamed backends', () => {
    const next = parse(
      BASE.replace('  api:', '  api2:') + `  extra:\n    base_url: http://127.0.0.1:4000/mcp\n`,
    );
    const diff = diffConfigs(parse(BASE), next);
    assert.deepEqual(diff.added, ['api2', 'extra']);
    assert.deepEqual(diff.removed, ['api']);
    assert.deepEqual(diff.renamed, [{ from: 'api', to: 'api2' }]);
  });

  it('tells connection changes (replace) from live ones (update in place), naming the YAML keys', () => {
    const next = parse(
      BASE.replace('args: [fs.js]', 'args: [fs2.js]\n    request_timeout: 5s').replace(
        'base_url: http://127.0.0.1:3000/mcp',
        'base_url: http://127.0.0.1:3000/mcp\n    tools: { exclude: [delete_*] }\n    prefix: web',
      ),
    );
    const diff = diffConfigs(parse(BASE), next);
    assert.deepEqual(diff.changed, [
      { name: 'fs', fields: ['args', 'request_timeout'], replace: true },
      { name: 'api', fields: ['prefix', 'tools'], replace: false },
    ]);
    assert.ok(diff.problems.some((p) => p.includes('backend "api": prefix "api" -> "web" renames')));
  });

  it('splits gateway settings into live ones and ones that need a restart', () => {
    const next = parse(
      BASE.replace(
        'port: 8080',
        'port: 9090\n  separator: "-"\n  reload_grace_period: 2s\n  max_sessions: 5',
      ),
    );
    const diff = diffConfigs(parse(BASE), next);
    const bySetting = Object.fromEntries(diff.settings.map((s) => [s.setting, s.live]));
    assert.deepEqual(bySetting, {
      port: false,
      separator: true,
      max_sessions: true,
      reload_grace_period: true,
    });
    assert.ok(diff.problems.some((p) => p.includes('separator "__" -> "-" renames every prefixed tool')));
    const text = formatConfigDiff(diff).join('\n');
    assert.match(text, /gateway\.port: 8080 -> 9090 \(needs a restart/);
    assert.match(text, /gateway\.separator: "__" -> "-" \(applied live\)/);
  });

  it('a gateway-wide request_timeout reaches every backend as a live change, not a restart', () => {
    const diff = diffConfigs(
      parse(BASE),
      parse(BASE.replace('port: 8080', 'port: 8080\n  request_timeout: 5s')),
    );
    assert.deepEqual(
      diff.changed.map((c) => [c.name, c.replace]),
      [
        ['fs', false],
        ['api', false],
      ],
    );
  });

  it('flags shared prefixes and prefixes that leave little room for tool names', () => {
    const next = parse(
      `${BASE}  other:\n    base_url: http://127.0.0.1:5000/mcp\n    prefix: fs\n  ${'l'.repeat(45)}:\n    base_url: http://127.0.0.1:6000/mcp\n`,
    );
    const { problems } = diffConfigs(parse(BASE), next);
    assert.ok(problems.some((p) => p.startsWith('backends "fs", "other" share the prefix "fs"')));
    assert.ok(problems.some((p) => /leaves 17 characters for tool names/.test(p)));
  });

  it('does not show secrets: backend changes name fields only, redis shows (set)', () => {
    const withToken = (t: string) =>
      parse(
        `${BASE}    auth: { type: bearer, token: "${t}" }\n`.replace(
          'gateway:',
          'gateway:\n  redis: { url: "redis://:pw@h" }',
        ),
      );
    const text = formatConfigDiff(diffConfigs(withToken('secret-1'), withToken('secret-2'))).join('\n');
    assert.match(text, /backend api: replaced .*changed: auth/);
    assert.doesNotMatch(text, /secret|pw@/);
  });

  it('says the grant store keys changed (applied live), never what they are', () => {
    const k1 = Buffer.alloc(32, 1).toString('base64');
    const k2 = Buffer.alloc(32, 2).toString('base64');
    const withKeys = (keys: string[]) =>
      parse(BASE.replace('  port: 8080', `  port: 8080\n  credentials: { keys: ${JSON.stringify(keys)} }`));
    const diff = diffConfigs(withKeys([k1]), withKeys([k2, k1]));
    assert.deepEqual(
      diff.settings.map((s) => [s.setting, s.live]),
      [['credentials.keys', true]],
    );
    const text = formatConfigDiff(diff).join('\n');
    assert.match(text, /gateway\.credentials\.keys: "\[redacted\]" -> "\[redacted\]" \(applied live\)/);
    assert.ok(!text.includes(k1) && !text.includes(k2), text);
  });

  it('connectionKey ignores live fields', () => {
    const a = parse(BASE).backends[0] as StdioSpec;
    assert.equal(connectionKey(a), connectionKey({ ...a, prefix: 'x', requestTimeoutMs: 1 }));
    assert.notEqual(connectionKey(a), connectionKey({ ...a, args: ['other.js'] }));
  });
});

describe('diffTools', () => {
  const tool = (name: string, description = 'd', props: Record<string, JSONValue> = {}): Tool => ({
    name,
    description,
    inputSchema: { type: 'object', properties: props },
  });

  it('reports added, removed, renamed (same definition, new name) and changed tools', () => {
    const diff = diffTools(
      [tool('a__add', 'Adds'), tool('a__gone'), tool('b__same', 'old text'), tool('c__x', 'X', { q: {} })],
      [
        tool('a__add', 'Adds'),
        tool('b__same', 'new text'),
        tool('z__x', 'X', { q: {} }),
        tool('new__one', 'fresh'),
      ],
    );
    assert.deepEqual(diff, {
      added: ['new__one'],
      removed: ['a__gone'],
      renamed: [{ from: 'c__x', to: 'z__x' }],
      changed: ['b__same'],
    });
  });

  it('never calls two unrelated names a rename, however alike their definitions', () => {
    const same = (name: string) => tool(name, 'Does the thing', { q: {} });
    const diff = diffTools(
      [same('smart_tool_discovery'), same('a__one'), same('b__x')],
      [same('c__two'), same('d__y'), same('b__renamed'), same('a-x')],
    );
    assert.deepEqual(diff.renamed, [{ from: 'b__x', to: 'b__renamed' }]);
    assert.deepEqual(diff.removed, ['smart_tool_discovery', 'a__one']);
    assert.deepEqual(diffTools([same('a-x')], [same('b-x')], '-').renamed, [{ from: 'a-x', to: 'b-x' }]);
  });
});
