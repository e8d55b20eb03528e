/** The live catalog: rebuilds, who is told, and calls to names of a backend that was not ready. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Backend } from '../../src/backends/backend.js';
import type { Snapshot } from '../../src/registry/catalog.js';
import { LiveCatalog } from '../../src/registry/live.js';

/** A backend as the catalog reads it (pure logic: no connection behind it). */
function fakeBackend(name: string, state: Backend['state'], tools: string[], lastError?: string) {
  return {
    name,
    state,
    lastError,
    spec: { name, prefix: name, tools: { include: [], exclude: [] } },
    catalog: {
      tools: tools.map((t) => ({ name: t, inputSchema: { type: 'object' } })),
      resources: [],
      resourceTemplates: [],
      prompts: [],
      capabilities: {},
    },
  } as unknown as Backend;
}

function catalogOf(backends: Backend[]) {
  const told: Snapshot[] = [];
  const byName = () => new Map(backends.map((b) => [b.name, b]));
  const catalog = new LiveCatalog({
    backends: () => ({ all: () => backends, get: (n) => byName().get(n) }),
    separator: () => '__',
    rebuilt: (next) => told.push(next),
  });
  return { catalog, told };
}

describe('LiveCatalog', () => {
  it('makes each rebuild current, with a new version, and tells the follower after', () => {
    const up = fakeBackend('fs', 'ready', ['read']);
    const { catalog, told } = catalogOf([up]);
    assert.equal(catalog.snapshot().tools.length, 0, 'empty before the first rebuild');
    const first = catalog.rebuild();
    assert.equal(catalog.snapshot(), first);
    assert.deepEqual(told, [first]);
    assert.ok(first.toolsByName.has('fs__read'));
    const second = catalog.rebuild();
    assert.ok(second.version > first.version);
    assert.equal(catalog.backend('fs'), up);
    assert.deepEqual(catalog.backends(), [up]);
  });

  it('answers a name of a backend that was not ready with its state, as recorded in the snapshot', () => {
    const down = fakeBackend('gh', 'down', ['issue'], 'connect failed: ECONNREFUSED');
    const { catalog } = catalogOf([fakeBackend('fs', 'ready', ['read']), down]);
    catalog.rebuild();
    const err = catalog.unavailableOwner('gh__issue');
    assert.equal(err?.code, 'backend_unavailable');
    assert.equal(err?.backend, 'gh');
    assert.equal(
      err?.message,
      'backend "gh" is down (connect failed: ECONNREFUSED); tool "gh__issue" is unavailable',
    );
    assert.equal(catalog.unavailableOwner('fs__nothing'), undefined, 'a ready backend owns no unknown name');
    assert.equal(catalog.unavailableOwner('other'), undefined);
    // The snapshot, not the live backend, answers: a state change shows once the catalog is rebuilt.
    (down as { state: string }).state = 'ready';
    assert.ok(catalog.unavailableOwner('gh__issue'));
    catalog.rebuild();
    assert.equal(catalog.unavailableOwner('gh__issue'), undefined);
  });
});
