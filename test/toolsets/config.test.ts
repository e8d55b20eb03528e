/** `toolsets:` in the config: normalisation, and the located errors the schema cannot give. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, formatProblem } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';

function problems(yaml: string): string[] {
  try {
    parseConfig(yaml, '/cfg/sets.yaml', { env: {} });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems.map(formatProblem);
  }
  assert.fail('expected a ConfigError');
}

const BACKENDS = 'mcpServers:\n  gh:\n    command: x\n';

describe('toolsets config', () => {
  it('normalises sets: globs as lists, defaults, overrides by catalog name', () => {
    const config = parseConfig(
      `${BACKENDS}toolsets:
  coding:
    description: For coding agents
    tools: gh__*
    overrides:
      gh__create_issue: { name: open_issue, keywords: [ticket, bug] }
  lean:
    tools: ["*"]
    resources: [gh]
    prompts: gh
    discovery_only: true
`,
      '/cfg/sets.yaml',
      { env: {} },
    );
    const [coding, lean] = config.toolsets ?? [];
    assert.equal(coding?.name, 'coding');
    assert.deepEqual(coding?.tools, ['gh__*']);
    assert.deepEqual(coding?.resources, []);
    assert.equal(coding?.discoveryOnly, false);
    assert.deepEqual(coding?.overrides.get('gh__create_issue'), {
      name: 'open_issue',
      keywords: ['ticket', 'bug'],
    });
    assert.equal(lean?.discoveryOnly, true);
    assert.deepEqual(lean?.resources, ['gh']);
    assert.deepEqual(lean?.prompts, ['gh']);
  });

  it('has no sets when the file has none', () => {
    assert.deepEqual(parseConfig(BACKENDS, '/cfg/sets.yaml', { env: {} }).toolsets, []);
  });

  it('refuses two renames to one name in a set, at the second one', () => {
    assert.deepEqual(
      problems(`${BACKENDS}toolsets:
  coding:
    tools: "*"
    overrides:
      gh__a: { name: same }
      gh__b:
        name: same
`),
      [
        '/cfg/sets.yaml:10:15: toolsets.coding.overrides.gh__b.name: "same" is already the new name of "gh__a" in this set; two tools cannot share a name',
      ],
    );
  });

  it('allows one name in two different sets', () => {
    const yaml = `${BACKENDS}toolsets:\n  a:\n    overrides: { gh__a: { name: x } }\n  b:\n    overrides: { gh__a: { name: x } }\n`;
    assert.equal(parseConfig(yaml, '/cfg/sets.yaml', { env: {} }).toolsets?.length, 2);
  });

  it('refuses a rename past 64 characters and the discovery tool name', () => {
    const long = 'n'.repeat(65);
    assert.deepEqual(
      problems(`${BACKENDS}toolsets:
  coding:
    overrides:
      gh__a:
        name: ${long}
      gh__b:
        name: smart_tool_discovery
`),
      [
        `/cfg/sets.yaml:8:15: toolsets.coding.overrides.gh__a.name: "${long}" is 65 characters; a tool name has at most 64 (what model APIs accept)`,
        `/cfg/sets.yaml:10:15: toolsets.coding.overrides.gh__b.name: "smart_tool_discovery" is the name of the gateway's discovery tool; choose another`,
      ],
    );
  });

  it('refuses a set named like a path of the REST API, at its key', () => {
    assert.deepEqual(problems(`${BACKENDS}toolsets:\n  tools:\n    tools: "*"\n`), [
      '/cfg/sets.yaml:5:3: toolsets.tools: "tools" is a path of the REST API (/v1/tools); name the set otherwise',
    ]);
  });

  it('refuses set names that are not a path segment and renames with other characters, located', () => {
    const found = problems(`${BACKENDS}toolsets:
  "a/b":
    tools: "*"
  ok:
    overrides:
      gh__a: { name: "has space" }
`);
    assert.equal(found.length, 2, found.join('\n'));
    assert.match(found[0]!, /^\/cfg\/sets\.yaml:5:3: toolsets/);
    assert.match(found[1]!, /^\/cfg\/sets\.yaml:9:22: toolsets\.ok\.overrides\.gh__a\.name: /);
  });
});
