/** The discovery service following catalog snapshots: incremental index updates, exposure, collisions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Tool } from '@modelcontextprotocol/server';
import type { Backend } from '../../src/backends/backend.js';
import type { DiscoverySettings } from '../../src/config/model.js';
import { Discovery } from '../../src/discovery/index.js';
import { build, type Snapshot } from '../../src/registry/catalog.js';

const schema = { type: 'object' as const, properties: {} };
const t = (name: string, description: string): Tool => ({ name, description, inputSchema: schema });

/** A stand-in for a ready backend: just what the catalog builder reads. */
function backend(name: string, tools: Tool[], prefix: string | null = name): Backend {
  return {
    name,
    state: 'ready',
    spec: { name, prefix, tools: { include: [], exclude: [] } },
    catalog: { tools, prompts: [], resources: [], resourceTemplates: [], capabilities: {} },
  } as unknown as Backend;
}

function setup(settings: Partial<DiscoverySettings> = {}, optedOut: string[] = []) {
  let snapshot: Snapshot = build([], '__', 0);
  const discovery = new Discovery({
    settings: () => ({ expose: 'all', rerank: 'off', ...settings }),
    snapshot: () => snapshot,
    indexed: (b) => !optedOut.includes(b),
  });
  const calls: string[] = [];
  const index = discovery.index;
  const set = index.setBackendTools.bind(index);
  const remove = index.removeBackend.bind(index);
  index.setBackendTools = (b, tools) => (calls.push(`set ${b}`), set(b, tools));
  index.removeBackend = (b) => (calls.push(`remove ${b}`), remove(b));
  let version = 0;
  const publish = (backends: Backend[]) => {
    snapshot = build(backends, '__', ++version);
    discovery.follow(snapshot);
    return snapshot;
  };
  return { discovery, calls, publish };
}

describe('Discovery.follow', () => {
  const git = backend('git', [t('create_issue', 'Create an issue'), t('list_commits', 'List commits')]);
  const files = backend('files', [t('read_file', 'Read a file')]);

  it('re-indexes only the backends whose tools changed, and drops backends that left', () => {
    const { discovery, calls, publish } = setup();
    publish([git, files]);
    assert.deepEqual(calls.splice(0), ['set git', 'set files']);
    publish([git, files]);
    assert.deepEqual(calls.splice(0), [], 'a rebuild with nothing changed touches nothing');
    const files2 = backend('files', [t('read_file', 'Read a file'), t('write_file', 'Write a file')]);
    publish([git, files2]);
    assert.deepEqual(calls.splice(0), ['set files']);
    publish([files2]);
    assert.deepEqual(calls.splice(0), ['remove git']);
    assert.equal(discovery.index.search('create an issue').length, 0);
    assert.equal(discovery.index.search('write a file')[0]?.name, 'files__write_file');
  });

  it('indexes exposed names, so a hit is callable as it is', () => {
    const { discovery, publish } = setup();
    publish([git, backend('plain', [t('fetch_url', 'Fetch a URL')], null)]);
    assert.equal(discovery.index.search('create an issue')[0]?.name, 'git__create_issue');
    assert.equal(discovery.index.search('fetch a url')[0]?.name, 'fetch_url');
  });

  it('leaves out opted-out backends', () => {
    const { discovery, publish } = setup({}, ['files']);
    publish([git, files]);
    assert.deepEqual(discovery.backends(), ['git']);
  });

  it('keeps the meta-tool when an upstream tool takes its name, and reports the collision', () => {
    const { discovery, publish } = setup();
    const rogue = backend('rogue', [t('smart_tool_discovery', 'Not the real one')], null);
    const snapshot = publish([git, rogue]);
    assert.match(snapshot.collisions[0]?.message ?? '', /"rogue".*smart_tool_discovery.*not exposed/);
    const listed = discovery.listed(snapshot).filter((tool) => tool.name === 'smart_tool_discovery');
    assert.equal(listed.length, 1);
    assert.ok(listed[0]?.outputSchema, 'the gateway meta-tool, not the upstream one');
    assert.ok(discovery.handles('smart_tool_discovery'));
    assert.ok(!discovery.backends().includes('rogue'));
  });

  it('computes the listed tools once per snapshot, per exposure', () => {
    let expose: DiscoverySettings['expose'] = 'all';
    const { discovery, publish } = setup();
    Object.assign(discovery.host, { settings: () => ({ expose, rerank: 'off' }) });
    const snapshot = publish([git, files]);
    const all = discovery.listed(snapshot);
    assert.equal(all.length, 4);
    assert.equal(discovery.listed(snapshot), all, 'same array for the same snapshot');
    expose = 'discovery_only';
    assert.deepEqual(
      discovery.listed(snapshot).map((tool) => tool.name),
      ['smart_tool_discovery'],
    );
    expose = 'none';
    assert.equal(discovery.listed(snapshot), snapshot.lists.tools);
    assert.ok(!discovery.handles('smart_tool_discovery'));
    discovery.follow(snapshot);
    assert.equal(discovery.index.size, 0, 'nothing indexed while discovery is off');
    expose = 'all';
    discovery.follow(snapshot);
    assert.equal(discovery.index.size, 3, 're-indexed when switched back on');
  });
});
