/** A set's view of a catalog snapshot, and its grants: pure logic over built snapshots. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import { build } from '../../src/registry/catalog.js';
import type { Grant } from '../../src/registry/grant.js';
import { SetGrants } from '../../src/toolsets/grant.js';
import type { ToolOverrideSpec, ToolsetSpec } from '../../src/config/model.js';
import { buildView } from '../../src/toolsets/view.js';

function backend(name: string, tools: string[], capabilities: Record<string, object> = {}) {
  return {
    name,
    state: 'ready',
    spec: { name, prefix: name, tools: { include: [], exclude: [] } },
    catalog: {
      tools: tools.map((t) => ({
        name: t,
        description: `${t} of ${name}`,
        inputSchema: { type: 'object' },
        annotations: { openWorldHint: true },
      })),
      resources: capabilities.resources ? [{ uri: `${name}://r`, name: 'r' }] : [],
      resourceTemplates: [],
      prompts: capabilities.prompts ? [{ name: 'p' }] : [],
      capabilities,
    },
  } as unknown as Backend;
}

function spec(partial: Partial<ToolsetSpec> & { overrides?: Map<string, ToolOverrideSpec> }): ToolsetSpec {
  return {
    ...{ name: 's', tools: [], excludeTools: [], resources: [], prompts: [] },
    ...{ discoveryOnly: false, overrides: new Map() },
    ...partial,
  };
}

const BASE = build(
  [
    backend('gh', ['create_issue', 'list_issues', 'delete_repo'], { prompts: {} }),
    backend('fs', ['read', 'write'], { resources: {} }),
  ],
  '__',
  1,
);

describe('set view', () => {
  it('selects tools by glob across backends, in catalog order, minus exclusions', () => {
    const view = buildView(BASE, spec({ tools: ['*__*issue*', 'fs__read'], excludeTools: ['gh__list*'] }));
    assert.deepEqual(
      view.snapshot.lists.tools.map((t) => t.name),
      ['gh__create_issue', 'fs__read'],
    );
    assert.deepEqual(view.unmatched, []);
    assert.deepEqual([...view.backends].sort(), ['fs', 'gh']);
  });

  it('selects resources and prompts by backend only', () => {
    const view = buildView(BASE, spec({ resources: ['fs'], prompts: ['nothing'] }));
    assert.deepEqual(
      view.snapshot.lists.resources.map((r) => r.uri),
      ['fs://r'],
    );
    assert.deepEqual(view.snapshot.lists.prompts, []);
    assert.deepEqual(view.snapshot.capable.resources, ['fs']);
    assert.deepEqual(view.snapshot.capable.prompts, []);
    assert.equal(view.snapshot.resourceOwner.get('fs://r'), 'fs');
  });

  it('renames and overrides a tool; the entry still routes to the original', () => {
    const overrides = new Map<string, ToolOverrideSpec>([
      [
        'gh__create_issue',
        {
          name: 'open_ticket',
          title: 'Open a ticket',
          description: 'Files a bug.',
          annotations: { destructiveHint: false },
          keywords: ['bug'],
        },
      ],
    ]);
    const view = buildView(BASE, spec({ tools: ['gh__*'], overrides }));
    const entry = view.snapshot.toolsByName.get('open_ticket');
    assert.equal(entry?.original, 'create_issue');
    assert.equal(entry?.backend, 'gh');
    assert.deepEqual(entry?.hints, ['bug']);
    assert.deepEqual(entry?.item, {
      name: 'open_ticket',
      title: 'Open a ticket',
      description: 'Files a bug.',
      inputSchema: { type: 'object' },
      annotations: { openWorldHint: true, destructiveHint: false },
    });
    assert.equal(view.baseName.get('open_ticket'), 'gh__create_issue');
    assert.ok(!view.snapshot.toolsByName.has('gh__create_issue'));
    assert.equal(view.snapshot.lists.tools[0]?.name, 'open_ticket', 'keeps its place in the list');
  });

  it('gives a rename precedence over a catalog tool of that name, and records the collision', () => {
    const overrides = new Map([['gh__create_issue', { name: 'fs__read', keywords: [] }]]);
    const view = buildView(BASE, spec({ tools: ['*'], overrides }));
    assert.equal(view.snapshot.toolsByName.get('fs__read')?.backend, 'gh');
    assert.equal(view.snapshot.tools.filter((e) => e.exposed === 'fs__read').length, 1);
    assert.match(view.snapshot.collisions[0]?.message ?? '', /"fs__read" is left out/);
  });

  it('reports globs that match nothing', () => {
    const view = buildView(BASE, spec({ tools: ['gh__*', 'jira__*'] }));
    assert.deepEqual(view.unmatched, ['jira__*']);
  });

  it('keeps the signature when the view is unchanged and changes it when the set changes', () => {
    const s = spec({ tools: ['gh__*'] });
    const next = build(
      [
        backend('gh', ['create_issue', 'list_issues', 'delete_repo'], { prompts: {} }),
        backend('fs', ['read']),
      ],
      '__',
      2,
    );
    assert.equal(buildView(BASE, s).snapshot.signature.tools, buildView(next, s).snapshot.signature.tools);
    const other = spec({ tools: ['gh__*'], excludeTools: ['gh__delete_repo'] });
    assert.notEqual(
      buildView(BASE, s).snapshot.signature.tools,
      buildView(BASE, other).snapshot.signature.tools,
    );
  });
});

describe('set grants', () => {
  const policy: Grant = {
    all: false,
    rules: 'r',
    tool: (name) => name === 'gh__create_issue',
    backend: (b) => b === 'fs',
    gatewayTool: () => true,
  };
  const names = new Map([['open_ticket', 'gh__create_issue']]);
  const grants = new SetGrants((n) => names.get(n));

  it('checks a renamed tool under its catalog name', () => {
    const g = grants.of(policy);
    assert.equal(g.tool('open_ticket', 'gh'), true);
    assert.equal(g.tool('gh__list_issues', 'gh'), false);
    assert.equal(g.backend('fs'), true);
    assert.equal(grants.of(policy), g, 'interned per policy grant');
  });

  it('passes everything through without policies', () => {
    const all: Grant = { ...policy, all: true };
    assert.equal(grants.of(all), all);
  });
});
