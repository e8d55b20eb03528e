/**
 * The "done when": a client of examples/discovery-only.yaml sees only smart_tool_discovery in
 * tools/list, and finds and calls a tool of each backend using nothing but the meta-tool.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import { ROOT, connectClient, text } from '../helpers/gateway.js';
import { allText, discover, report } from './helpers.js';

const EXAMPLE = join(ROOT, 'examples/discovery-only.yaml');

describe('examples/discovery-only.yaml', () => {
  let gateway: Gateway;
  let client: Client;

  before(async () => {
    process.env.SWITCHBOARD_MEMORY_FILE = join(
      mkdtempSync(join(tmpdir(), 'switchboard-memory-')),
      'memory.jsonl',
    );
    const options = { overrides: { port: 0, host: '127.0.0.1' } };
    gateway = new Gateway(loadConfig(EXAMPLE, options), options);
    await gateway.start();
    await gateway.pool.settled();
    // No sampling capability: the example's rerank: sampling falls back to the lexical ranking.
    ({ client } = await connectClient(new URL(gateway.url)));
  });

  after(async () => {
    await client?.close();
    await gateway?.close();
    delete process.env.SWITCHBOARD_MEMORY_FILE;
  });

  it('starts both backends of the example', () => {
    assert.deepEqual(
      gateway.pool.all().map((b) => [b.name, b.state]),
      [
        ['everything', 'ready'],
        ['memory', 'ready'],
      ],
    );
  });

  it('lists only the meta-tool', async () => {
    assert.deepEqual(
      (await client.listTools()).tools.map((t) => t.name),
      ['smart_tool_discovery'],
    );
  });

  it('finds every catalog tool through the meta-tool, and they stay callable by name', async () => {
    for (const entry of gateway.catalog.snapshot().tools) {
      const request = entry.item.description ?? entry.original;
      const r = await report(client, { request, backend: entry.backend });
      assert.ok(
        r.tools.some((t) => t.name === entry.exposed),
        `${entry.exposed} found by its description`,
      );
    }
    assert.match(
      text(await client.callTool({ name: 'everything__echo', arguments: { message: 'direct' } })),
      /direct/,
    );
    const graph = await client.callTool({ name: 'memory__read_graph', arguments: {} });
    assert.ok(!graph.isError, JSON.stringify(graph.content));
  });

  it('lets an agent find and call a tool of the everything backend with the meta-tool only', async () => {
    const found = await report(client, { request: 'echo a message back to me' });
    const tool = found.tools[0]!;
    assert.equal(tool.name, 'everything__echo');
    assert.ok('message' in (tool.inputSchema as { properties: object }).properties);
    const ran = await discover(client, { tool_name: tool.name, arguments: { message: 'found you' } });
    assert.match(text(ran), /found you/);
    assert.match(allText(ran), /ran everything__echo \(backend everything\)/);
  });

  it('lets an agent find and call the memory backend with the meta-tool only', async () => {
    const create = await report(client, { request: 'remember a new entity in the knowledge graph' });
    assert.equal(create.tools[0]?.name, 'memory__create_entities');
    const entity = { name: 'switchboard', entityType: 'project', observations: ['an MCP gateway'] };
    const created = await discover(client, {
      tool_name: create.tools[0]!.name,
      arguments: { entities: [entity] },
    });
    assert.ok(!created.isError, allText(created));

    const search = await report(client, { request: 'search the memory graph for nodes', backend: 'memory' });
    assert.equal(search.tools[0]?.name, 'memory__search_nodes');
    const hits = await discover(client, {
      request: 'search nodes in memory',
      arguments: { query: 'gateway' },
      execute: true,
    });
    assert.match(allText(hits), /ran memory__search_nodes/);
    assert.match(text(hits), /switchboard/);

    const erase = await report(client, {
      request: 'delete entities from the knowledge graph',
      arguments: { entityNames: ['switchboard'] },
      execute: true,
    });
    assert.equal(erase.tools[0]?.name, 'memory__delete_entities');
    assert.equal(erase.executed, undefined, 'destructiveHint: true never runs unnamed');
    assert.match(erase.note ?? '', /Nothing was run/);
    const still = await discover(client, {
      tool_name: 'memory__open_nodes',
      arguments: { names: ['switchboard'] },
    });
    assert.match(text(still), /switchboard/);
  });
});
