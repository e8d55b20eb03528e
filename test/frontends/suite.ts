/** The checks every frontend passes: tools, resources, prompts, progress and a sampling round trip through the gateway. */
import assert from 'node:assert/strict';
import type { Client, JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { text } from '../helpers/gateway.js';

/** Whether a process id is running. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The SDK client's complaint about progress it read after the response (see exercise); anything else is a fault. */
export function sdkProgressRace(err: Error): boolean {
  return /progress notification for an unknown token/.test(err.message);
}

/** Records every message a connected client's transport receives, in wire order. */
export function tap(transport: Transport): JSONRPCMessage[] {
  const wire: JSONRPCMessage[] = [];
  const deliver = transport.onmessage!;
  transport.onmessage = (message, extra) => {
    wire.push(message);
    deliver(message, extra);
  };
  return wire;
}

/**
 * Exercises a connected client against a gateway with the fixture backend "a"; the client must answer
 * sampling (declared capability), which this installs.
 */
export async function exercise(client: Client, wire: JSONRPCMessage[]): Promise<void> {
  const sampled: unknown[] = [];
  client.setRequestHandler('sampling/createMessage', (req) => {
    sampled.push(req.params);
    return {
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: 'sampled by the client' },
    };
  });

  const tools = (await client.listTools()).tools.map((t) => t.name);
  assert.ok(tools.includes('a__add'), `a__add listed: ${tools.join(', ')}`);
  const sum = await client.callTool({ name: 'a__add', arguments: { a: 2, b: 3 } });
  assert.equal(text(sum), '5');

  const resources = (await client.listResources()).resources.map((r) => r.uri);
  assert.ok(resources.includes('fixture://static'), `resource listed: ${resources.join(', ')}`);
  const read = await client.readResource({ uri: 'fixture://static' });
  assert.equal((read.contents[0] as { text: string }).text, 'static text from a');

  const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
  assert.ok(prompts.includes('a__greet'), `prompt listed: ${prompts.join(', ')}`);
  const prompt = await client.getPrompt({ name: 'a__greet', arguments: { name: 'Ada' } });
  assert.deepEqual(prompt.messages[0]!.content, { type: 'text', text: 'Hello Ada' });

  // On the wire, not through onprogress: the SDK client handles a response at once but notifications a
  // microtask later, so progress read in the same stdio chunk as the response never reaches onprogress.
  const from = wire.length;
  const slow = await client.callTool(
    { name: 'a__slow', arguments: { ms: 30, steps: 3 } },
    { onprogress: () => {} },
  );
  assert.equal(text(slow), 'slept 30');
  const seen = wire.slice(from).flatMap((m) => {
    if ('method' in m && m.method === 'notifications/progress')
      return [`progress ${String(m.params?.progress)}`];
    if ('result' in m && text(m.result) === 'slept 30') return ['result'];
    return [];
  });
  assert.deepEqual(seen, ['progress 1', 'progress 2', 'progress 3', 'result']);

  const asked = await client.callTool({
    name: 'a__ask_client',
    arguments: {
      method: 'sampling/createMessage',
      params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 5 },
    },
  });
  const answer = JSON.parse(text(asked)) as { result?: { content?: { text?: string } }; error?: unknown };
  assert.equal(answer.result?.content?.text, 'sampled by the client', JSON.stringify(answer));
  assert.equal(sampled.length, 1);
}
