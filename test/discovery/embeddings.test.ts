/** Hybrid ranking against a real local HTTP embeddings server with deterministic vectors. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmbeddingClient, HybridRanker, ToolIndex, type IndexedTool } from '../../src/discovery/index.js';
import type { Gateway } from '../../src/gateway.js';
import { startEmbeddingServer, type EmbeddingServer } from '../fixtures/embeddings-server.js';
import { connectClient, fixtureStdio, startGateway } from '../helpers/gateway.js';
import { names, report } from './helpers.js';

const tool = (backend: string, name: string, description: string): IndexedTool => ({
  backend,
  name,
  description,
});

function catalog(): IndexedTool[] {
  const tools = [
    tool('calc', 'add', 'Adds two numbers'),
    tool('calc', 'echo', 'Echoes the message back'),
    tool('calc', 'create_entities', 'Create multiple new entities in the knowledge graph'),
  ];
  for (let i = 0; i < 127; i++)
    tools.push(tool('calc', `filler_${i}`, `Filler tool number ${i} for batching`));
  return tools;
}

describe('HybridRanker', () => {
  let server: EmbeddingServer;
  let index: ToolIndex;
  let hybrid: HybridRanker;

  before(async () => {
    server = await startEmbeddingServer();
    index = new ToolIndex();
    hybrid = new HybridRanker(index, new EmbeddingClient({ url: server.url, model: 'toy', apiKey: 'k-123' }));
    const tools = catalog();
    index.setBackendTools('calc', tools);
    hybrid.setBackendTools('calc', tools);
    await hybrid.settled();
  });

  after(async () => {
    await server?.close();
  });

  it('fetches tool vectors in batches, with the model and the bearer key', () => {
    assert.deepEqual(
      server.requests.map((r) => r.input.length),
      [64, 64, 2],
    );
    assert.ok(server.requests.every((r) => r.model === 'toy' && r.authorization === 'Bearer k-123'));
  });

  // Plumbing, not semantics: the fixture's vectors put "tally" beside "add" and "parrot" beside "echo" by
  // construction (test/fixtures/embeddings-server.ts). What this checks is that the hybrid ranker fetches the
  // query's vector from the endpoint and ranks tools by nearness to it when no word matches lexically; how
  // well a real model ranks is measured by `npm run eval:discovery` against a real endpoint, not here.
  it('plumbing: ranks by the endpoint vectors when no word matches lexically', async () => {
    assert.equal(index.search('tally these up').length, 0, 'no lexical match');
    const r = await hybrid.search('tally these up', { limit: 3 });
    assert.equal(r.hybrid, true);
    assert.equal(r.hits[0]?.name, 'add');
    const parrot = await hybrid.search('parrot what I say', { limit: 3 });
    assert.equal(parrot.hits[0]?.name, 'echo');
  });

  it('keeps the lexical signal in the blend', async () => {
    const r = await hybrid.search('create entities in the knowledge graph', { limit: 3 });
    assert.equal(r.hits[0]?.name, 'create_entities');
    assert.equal(r.lexical[0]?.name, 'create_entities');
  });

  it('caches vectors by text: unchanged tools and repeated queries are not fetched again', async () => {
    const before = server.requests.length;
    hybrid.setBackendTools('calc', catalog());
    await hybrid.settled();
    await hybrid.search('tally these up');
    assert.equal(server.requests.length, before);
  });

  it('falls back to the lexical ranking when the endpoint fails', async () => {
    server.fail = true;
    try {
      const r = await hybrid.search('echo the message', { limit: 3 });
      assert.equal(r.hybrid, false);
      assert.deepEqual(
        r.hits.map((h) => h.name),
        index.search('echo the message', { limit: 3 }).map((h) => h.name),
      );
    } finally {
      server.fail = false;
    }
    assert.equal((await hybrid.search('parrot it back', { limit: 1 })).hybrid, true, 'recovers');
  });
});

describe('gateway.discovery.embeddings', () => {
  let server: EmbeddingServer;
  let gateway: Gateway;

  before(async () => {
    server = await startEmbeddingServer();
    ({ gateway } = await startGateway(`
gateway:
  discovery:
    embeddings: { url: "${server.url}", model: toy }
mcpServers:
${fixtureStdio('fx')}`));
    await gateway.discovery.settled();
  });

  after(async () => {
    await gateway?.close();
    await server?.close();
  });

  it('ranks by the blend through the meta-tool', async () => {
    const { client } = await connectClient(new URL(gateway.url));
    try {
      const r = await report(client, { request: 'tally these up' });
      assert.equal(names(r)[0], 'fx__add');
      assert.ok(server.requests.length >= 2, 'tools and the query were embedded');
    } finally {
      await client.close();
    }
  });
});
