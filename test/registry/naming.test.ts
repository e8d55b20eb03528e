/** Exposed names: prefixing, sanitising, deterministic shortening, collisions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import type { BackendSpec } from '../../src/config/model.js';
import { build, resourceBackend } from '../../src/registry/catalog.js';
import { disambiguate, isValidName, MAX_NAME_LENGTH, qualify } from '../../src/registry/naming.js';

describe('qualify', () => {
  it('prefixes with the separator and leaves valid names alone', () => {
    assert.equal(qualify('github', 'create_issue', '__'), 'github__create_issue');
    assert.equal(qualify(null, 'create_issue', '__'), 'create_issue');
    assert.equal(qualify('gh', 'list', '-'), 'gh-list');
  });

  it('replaces characters outside [A-Za-z0-9_-]', () => {
    assert.equal(qualify('fs', 'read.file/v2', '__'), 'fs__read_file_v2');
    assert.equal(qualify('fs', 'ünïcode tool', '__'), 'fs___n_code_tool');
  });

  it('shortens long names to 64 characters, deterministically and distinctly', () => {
    const a = qualify('backend', 'x'.repeat(80) + 'a', '__');
    const b = qualify('backend', 'x'.repeat(80) + 'b', '__');
    assert.equal(a.length, MAX_NAME_LENGTH);
    assert.equal(a, qualify('backend', 'x'.repeat(80) + 'a', '__'), 'stable across calls (and restarts)');
    assert.notEqual(a, b);
    assert.ok(isValidName(a) && isValidName(b));
  });

  it('disambiguates a collision with a hash of the origin', () => {
    const name = disambiguate('fs__read_file', 'fs', 'read.file');
    assert.match(name, /^fs__read_file_[0-9a-f]{8}$/);
    assert.notEqual(name, disambiguate('fs__read_file', 'fs', 'read/file'));
  });
});

function fakeBackend(
  name: string,
  tools: string[],
  extra: Partial<Backend['catalog']> = {},
  spec: Partial<BackendSpec> = {},
) {
  return {
    name,
    state: 'ready',
    spec: { name, prefix: name, tools: { include: [], exclude: [] }, ...spec },
    catalog: {
      tools: tools.map((t) => ({ name: t, inputSchema: { type: 'object' } })),
      resources: [],
      resourceTemplates: [],
      prompts: [],
      capabilities: {},
      ...extra,
    },
  } as unknown as Backend;
}

describe('catalog snapshot', () => {
  it('merges backends in order, applies filters, and reports collisions instead of overwriting', () => {
    const snap = build(
      [
        fakeBackend(
          'fs',
          ['read.file', 'read_file', 'delete_file'],
          {},
          { tools: { include: [], exclude: ['delete_*'] } },
        ),
        fakeBackend('down', ['x']),
      ].map((b, i) => (i === 1 ? ({ ...b, state: 'down' } as Backend) : b)),
      '__',
      1,
    );
    const names = snap.tools.map((t) => t.exposed);
    assert.equal(names[0], 'fs__read_file');
    assert.match(names[1]!, /^fs__read_file_[0-9a-f]{8}$/);
    assert.equal(names.length, 2, 'filtered tool and down backend excluded');
    assert.equal(snap.collisions.length, 1);
    assert.match(
      snap.collisions[0]!.message,
      /tool "read_file" of backend "fs" maps to "fs__read_file", already used by "read.file"/,
    );
    assert.equal(snap.toolsByName.get(names[1]!)!.original, 'read_file');
  });

  it('keeps the first owner of a duplicated resource URI and routes templates', () => {
    const res = (uri: string) => ({ uri, name: uri });
    const snap = build(
      [
        fakeBackend('a', [], { resources: [res('x://1')], capabilities: { resources: {} } }),
        fakeBackend('b', [], {
          resources: [res('x://1'), res('x://2')],
          resourceTemplates: [{ uriTemplate: 'y://items/{id}', name: 'item' }],
          capabilities: { resources: {} },
        }),
      ],
      '__',
      1,
    );
    assert.equal(resourceBackend(snap, 'x://1'), 'a');
    assert.equal(resourceBackend(snap, 'x://2'), 'b');
    assert.equal(resourceBackend(snap, 'y://items/9'), 'b');
    assert.equal(resourceBackend(snap, 'z://unknown'), undefined, 'ambiguous: two resource backends');
    assert.equal(snap.collisions[0]!.kind, 'resource');
  });
});
