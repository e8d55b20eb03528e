/** rerank: sampling, with SDK clients that do and do not answer sampling/createMessage. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client, CreateMessageRequest } from '@modelcontextprotocol/client';
import type { Gateway } from '../../src/gateway.js';
import { EVERYTHING, connectClient, fixtureStdio, startGateway, text } from '../helpers/gateway.js';
import { allText, discover, names, report } from './helpers.js';

/** What the test "model" answers next: a function of the prompt's candidate names. */
type Answer = (candidates: string[]) => string;

describe('rerank: sampling', () => {
  let gateway: Gateway;
  let plain: Client;
  let sampler: Client;
  let answer: Answer = () => '{}';
  const prompts: CreateMessageRequest['params'][] = [];

  before(async () => {
    ({ gateway } = await startGateway(`
gateway:
  discovery: { rerank: sampling }
mcpServers:
  every:
    command: ${JSON.stringify(process.execPath)}
    args: [${JSON.stringify(EVERYTHING)}, stdio]
${fixtureStdio('fx')}`));
    const url = new URL(gateway.url);
    ({ client: plain } = await connectClient(url));
    ({ client: sampler } = await connectClient(url, { sampling: {} }));
    sampler.setRequestHandler('sampling/createMessage', (req) => {
      prompts.push(req.params);
      const content = req.params.messages[0]?.content;
      const prompt = content && !Array.isArray(content) && content.type === 'text' ? content.text : '';
      const candidates = [...prompt.matchAll(/^\d+\. ([\w-]+):/gm)].map((m) => m[1] as string);
      return {
        model: 'test-model',
        role: 'assistant',
        content: { type: 'text', text: answer(candidates) },
      };
    });
  });

  after(async () => {
    await plain?.close();
    await sampler?.close();
    await gateway?.close();
  });

  it('puts the candidate the client model picked first', async () => {
    const lexical = await report(plain, { request: 'add two numbers' });
    assert.equal(lexical.reranked, undefined, 'a client without sampling gets the lexical ranking');
    const second = lexical.tools[1]!.name;
    answer = (candidates) => {
      assert.deepEqual(candidates, names(lexical));
      return `Sure! \`\`\`json\n{"tool": "${candidates[1]}", "arguments": {"a": 1, "b": 2}}\n\`\`\``;
    };
    const before = prompts.length;
    const r = await report(sampler, { request: 'add two numbers' });
    assert.equal(prompts.length, before + 1);
    assert.equal(r.tools[0]?.name, second);
    assert.notEqual(second, lexical.tools[0]?.name);
    assert.deepEqual(r.reranked, { tool: second, arguments: { a: 1, b: 2 } });
    assert.equal(r.confident, true);
    assert.deepEqual(new Set(names(r)), new Set(names(lexical)));
    assert.match(prompts.at(-1)!.systemPrompt ?? '', /JSON/);
  });

  it("runs the model's pick with the arguments it filled in", async () => {
    answer = () => '{"tool": "every__get-sum", "arguments": {"a": 19, "b": 23}}';
    const result = await discover(sampler, { request: 'add two numbers', execute: true });
    assert.match(text(result), /42/);
    assert.match(allText(result), /ran every__get-sum \(backend every\)/);
    const s = result.structuredContent as { executed: { tool: string; arguments: object } };
    assert.deepEqual(s.executed.arguments, { a: 19, b: 23 });
  });

  it("does not run the model's pick when the tool is not annotated read-only or non-destructive", async () => {
    answer = () => '{"tool": "fx__add", "arguments": {"a": 19, "b": 23}}';
    const r = await report(sampler, { request: 'add two numbers', execute: true });
    assert.deepEqual(r.reranked, { tool: 'fx__add', arguments: { a: 19, b: 23 } });
    assert.equal(r.confident, true);
    assert.equal(r.executed, undefined, 'fx__add has no annotations');
    assert.match(r.note ?? '', /Nothing was run: fx__add .*tool_name/);
  });

  it('runs nothing when the model says no candidate fits', async () => {
    answer = () => '{"tool": null}';
    const r = await report(sampler, { request: 'add two numbers', arguments: { a: 1, b: 2 }, execute: true });
    assert.equal(r.executed, undefined);
    assert.equal(r.confident, false);
    assert.match(r.note ?? '', /model found no tool/);
  });

  it('falls back to the lexical ranking on a bad answer', async () => {
    const lexical = await report(plain, { request: 'add two numbers' });
    for (const bad of [
      'I would use the add tool.',
      '{"tool": "not_a_candidate", "arguments": {}}',
      '{"tool": "fx__add", "arguments": {"a": "two"}}',
      '{"tool": "fx__add", "arguments": [1, 2]}',
    ]) {
      answer = () => bad;
      const r = await report(sampler, { request: 'add two numbers' });
      assert.equal(r.reranked, undefined, bad);
      assert.deepEqual(names(r), names(lexical), bad);
    }
    answer = () => 'no idea';
    const ran = await discover(sampler, {
      request: 'echo back a message',
      arguments: { message: 'four' },
      execute: true,
    });
    assert.match(text(ran), /four/, 'lexical confidence decides after a failed rerank');
  });

  it('gives a client without sampling the lexical result and executes by lexical confidence', async () => {
    const before = prompts.length;
    const ran = await discover(plain, {
      request: 'echo back a message',
      arguments: { message: 'eleven' },
      execute: true,
    });
    assert.match(text(ran), /eleven/);
    assert.equal(prompts.length, before, 'no sampling request to a client that cannot sample');
  });
});
