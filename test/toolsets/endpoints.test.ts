/**
 * Tool sets served at /mcp/<set>, in both protocol eras, with real v2 SDK clients over real HTTP against two
 * fixture servers: selection by glob, renames and overrides, calls of renamed tools (progress, cancellation,
 * an upstream elicitation round trip), policy ∩ set, unknown sets, discovery-only sets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway.js';
import { Tiktoken } from 'js-tiktoken/lite';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { log } from '../../src/log.js';
import { fixtureStdio, startGateway, text, waitFor } from '../helpers/gateway.js';

const YAML = `mcpServers:
${fixtureStdio('a', '', { FIXTURE_INSTRUCTIONS: 'Backend a speaks.' })}${fixtureStdio('b')}
toolsets:
  coding:
    instructions: Only coding tools here.
    tools: ["a__*"]
    exclude_tools: a__crash
    prompts: a
    overrides:
      a__slow:
        name: nap
        title: Nap
        description: Sleeps a while, reporting progress.
        annotations: { readOnlyHint: true }
      a__ask_input: { name: question }
      a__ask_client: { name: question_pushed }
      a__wait_for_cancel: { name: hold }
  data:
    tools: [b__add, "b__nothing_*"]
    resources: b
  lean:
    tools: ["a__*", "b__*"]
    discovery_only: true
    overrides:
      b__pid: { keywords: [whoami, "operating system identity"] }
`;

type Era = 'legacy' | 'modern';
const encoder = new Tiktoken(o200k);

async function connect(url: URL, era: Era) {
  const client = new Client(
    { name: `sets-${era}`, version: '1.0.0' },
    {
      capabilities: { elicitation: { form: {} } },
      versionNegotiation: { mode: era === 'modern' ? 'auto' : 'legacy' },
    },
  );
  client.setRequestHandler('elicitation/create', async () => ({
    action: 'accept',
    content: { name: 'Ada' },
  }));
  await client.connect(new StreamableHTTPClientTransport(url));
  assert.equal(client.getProtocolEra(), era);
  return client;
}

const json = <T>(r: unknown) => JSON.parse(text(r)) as T;

describe('tool sets at /mcp/<set>', () => {
  let gateway: Gateway;
  let base: URL;
  const at = (set: string) => new URL(`${base.href}/${set}`);
  const warned: string[] = [];
  before(async () => {
    const warn = log.warn.bind(log);
    log.warn = ((...args: unknown[]) => {
      warned.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
      return (warn as (...a: unknown[]) => void)(...args);
    }) as typeof log.warn;
    try {
      ({ gateway, url: base } = await startGateway(YAML));
    } finally {
      log.warn = warn;
    }
  });

  it('warns at load of a glob that matches no tool, once every backend is ready', () => {
    const unmatched = warned.filter((w) => w.includes('matches no tool'));
    assert.deepEqual(unmatched.length, 1, warned.join('\n'));
    assert.match(unmatched[0]!, /tool set "data": tools glob "b__nothing_\*" matches no tool of the catalog/);
  });
  after(() => gateway?.close());

  for (const era of ['legacy', 'modern'] as const) {
    describe(`${era === 'legacy' ? '2025-11-25' : '2026-07-28'} client`, () => {
      let coding: Client;
      before(async () => {
        coding = await connect(at('coding'), era);
      });
      after(() => coding?.close());

      it('lists the set: tools by glob, renamed and overridden, prompts and resources by backend', async () => {
        const tools = (await coding.listTools()).tools;
        const names = tools.map((t) => t.name);
        assert.ok(names.includes('nap') && names.includes('a__add') && names.includes('question'));
        assert.ok(!names.includes('a__slow') && !names.includes('a__crash'), 'renamed and excluded');
        assert.ok(!names.some((n) => n.startsWith('b__')), 'no tool of b');
        const nap = tools.find((t) => t.name === 'nap')!;
        assert.equal(nap.title, 'Nap');
        assert.equal(nap.description, 'Sleeps a while, reporting progress.');
        assert.equal(nap.annotations?.readOnlyHint, true);
        const prompts = (await coding.listPrompts()).prompts.map((p) => p.name);
        assert.deepEqual(prompts, ['a__greet']);
        assert.deepEqual((await coding.listResources()).resources, []);
        if (era === 'legacy') {
          const instructions = coding.getInstructions() ?? '';
          assert.match(instructions, /^Only coding tools here\./);
          assert.match(instructions, /Backend a speaks\./);
        }
      });

      it('calls a renamed tool with progress', async () => {
        const progress: number[] = [];
        const slow = await coding.callTool(
          { name: 'nap', arguments: { ms: 60, steps: 3 } },
          { onprogress: (p) => progress.push(p.progress) },
        );
        assert.equal(text(slow), 'slept 60');
        assert.deepEqual(progress, [1, 2, 3]);
      });

      it('completes an upstream elicitation asked by a renamed tool', async () => {
        const params = {
          method: 'elicitation/create',
          params: {
            message: 'name?',
            requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
          },
        };
        for (const tool of ['question', 'question_pushed']) {
          const r = json<{ answer?: unknown; result?: unknown; error?: unknown }>(
            await coding.callTool({ name: tool, arguments: params }),
          );
          assert.equal(r.error, undefined, JSON.stringify(r.error));
          assert.deepEqual(r.answer ?? r.result, { action: 'accept', content: { name: 'Ada' } });
        }
      });

      it('cancels a renamed tool upstream', async () => {
        const label = `set-cancel-${era}`;
        const abort = new AbortController();
        const call = coding.callTool(
          { name: 'hold', arguments: { label, ms: 30_000 } },
          { signal: abort.signal, onprogress: () => abort.abort() },
        );
        await assert.rejects(call);
        await waitFor(
          async () =>
            json<string[]>(await coding.callTool({ name: 'a__cancellations', arguments: {} })).includes(
              label,
            ),
          10_000,
          'the upstream saw the cancellation',
        );
      });

      it('refuses the catalog names of renamed tools and tools outside the set', async () => {
        for (const name of ['a__slow', 'b__add', 'a__crash']) {
          await assert.rejects(coding.callTool({ name, arguments: { a: 1, b: 2 } }), /Unknown tool/);
        }
      });

      it('serves another set with its own selection', async () => {
        const data = await connect(at('data'), era);
        try {
          assert.deepEqual(
            (await data.listTools()).tools.map((t) => t.name),
            ['smart_tool_discovery', 'b__add'],
          );
          assert.equal(text(await data.callTool({ name: 'b__add', arguments: { a: 2, b: 3 } })), '5');
          const read = await data.readResource({ uri: 'fixture://items/7' });
          assert.deepEqual(read.contents, [{ uri: 'fixture://items/7', text: 'item 7' }]);
          assert.deepEqual((await data.listPrompts()).prompts, []);
        } finally {
          await data.close();
        }
      });

      it('lists only the discovery tool in a discovery-only set and calls any tool of it', async () => {
        const lean = await connect(at('lean'), era);
        try {
          const tools = (await lean.listTools()).tools;
          assert.deepEqual(
            tools.map((t) => t.name),
            ['smart_tool_discovery'],
          );
          assert.equal(text(await lean.callTool({ name: 'b__add', arguments: { a: 4, b: 5 } })), '9');
          const named = await lean.callTool({
            name: 'smart_tool_discovery',
            arguments: { tool_name: 'a__add', arguments: { a: 1, b: 1 } },
          });
          const executed = (named.structuredContent as { executed: { tool: string; result: unknown } })
            .executed;
          assert.equal(executed.tool, 'a__add');
          assert.equal(text(executed.result), '2');
          const found = (
            await lean.callTool({
              name: 'smart_tool_discovery',
              arguments: { request: 'add two numbers', limit: 3 },
            })
          ).structuredContent as { tools: { name: string; inputSchema: { properties?: object } }[] };
          const add = found.tools.find((t) => t.name === 'a__add' || t.name === 'b__add');
          assert.ok(add, JSON.stringify(found.tools.map((t) => t.name)));
          assert.ok(add.inputSchema.properties && 'a' in add.inputSchema.properties, 'its input schema');
        } finally {
          await lean.close();
        }
      });
    });
  }

  it('indexes operator hints in the set only, without showing them', async () => {
    const search = async (url: URL) => {
      const client = await connect(url, 'legacy');
      try {
        const r = await client.callTool({
          name: 'smart_tool_discovery',
          arguments: { request: 'whoami', limit: 3 },
        });
        return r.structuredContent as { tools: Record<string, unknown>[] };
      } finally {
        await client.close();
      }
    };
    const lean = await search(at('lean'));
    assert.equal(lean.tools[0]?.name, 'b__pid', JSON.stringify(lean.tools));
    assert.ok(!JSON.stringify(lean).includes('operating system identity'), 'hints are not shown');
    const all = await search(base);
    assert.ok(!all.tools.some((t) => t.name === 'b__pid'), 'no hint outside the set');
  });

  it('lists far less in a discovery-only set (bytes and tokens of the real tools/list result)', async () => {
    const sizes = async (url: URL) => {
      const client = await connect(url, 'legacy');
      try {
        const json = JSON.stringify(await client.listTools());
        return { bytes: Buffer.byteLength(json), tokens: encoder.encode(json).length };
      } finally {
        await client.close();
      }
    };
    const full = await sizes(base);
    const lean = await sizes(at('lean'));
    assert.ok(lean.tokens > 100, `the meta-tool's schema is counted: ${lean.tokens}`);
    assert.ok(full.bytes > 3 * lean.bytes, `${full.bytes} vs ${lean.bytes} bytes`);
    assert.ok(full.tokens > 3 * lean.tokens, `${full.tokens} vs ${lean.tokens} tokens`);
  });

  it('answers an unknown set with 404 naming the sets', async () => {
    const res = await fetch(at('nope'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { message: string } };
    assert.match(body.error.message, /Unknown tool set "nope"/);
    assert.match(body.error.message, /\/mcp\/coding, \/mcp\/data, \/mcp\/lean/);
  });

  it('keeps a session to the endpoint it was opened on', async () => {
    const client = await connect(at('data'), 'legacy');
    try {
      const transport = (client as unknown as { _transport: StreamableHTTPClientTransport })._transport;
      const res = await fetch(at('coding'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': transport.sessionId!,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      assert.equal(res.status, 404);
    } finally {
      await client.close();
    }
  });

  it('keeps /mcp the whole catalog', async () => {
    const client = await connect(base, 'legacy');
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert.ok(names.includes('a__slow') && names.includes('b__add') && !names.includes('nap'));
    } finally {
      await client.close();
    }
  });
});
