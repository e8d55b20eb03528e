/** Server-to-client requests through the gateway: sampling, elicitation and roots, and the errors when they cannot be relayed. */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { Client, CreateMessageRequest } from '@modelcontextprotocol/client';
import { InFlight, type Origin } from '../../src/backends/relay/origin.js';
import { missingCapability } from '../../src/backends/relay/relay.js';
import type { Gateway } from '../../src/gateway.js';
import {
  EVERYTHING,
  connectClient,
  fixtureStdio,
  freePort,
  startGateway,
  startUpstream,
  stopProcess,
  text,
} from '../helpers/gateway.js';

const CAPABLE = { sampling: {}, elicitation: { form: {} }, roots: { listChanged: true } };

/** Answers sampling, elicitation and roots requests the way a host application would. */
function answerAll(client: Client) {
  const seen: { sampling: CreateMessageRequest['params'][]; elicitation: number; roots: number } = {
    sampling: [],
    elicitation: 0,
    roots: 0,
  };
  client.setRequestHandler('sampling/createMessage', (req) => {
    seen.sampling.push(req.params);
    return {
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: 'sampled by the test client' },
    };
  });
  client.setRequestHandler('elicitation/create', () => {
    seen.elicitation++;
    return { action: 'accept', content: { name: 'Ada Lovelace', check: true } };
  });
  client.setRequestHandler('roots/list', () => {
    seen.roots++;
    return { roots: [{ uri: 'file:///work/project', name: 'project' }] };
  });
  return seen;
}

describe('server-to-client requests through the gateway', () => {
  let gateway: Gateway;
  let url: URL;
  let upstream: ChildProcess;
  const clients: Client[] = [];
  const connect = async (caps: Record<string, unknown> = {}) => {
    const { client } = await connectClient(url, caps);
    clients.push(client);
    return client;
  };

  before(async () => {
    const port = await freePort();
    upstream = await startUpstream([EVERYTHING, 'streamableHttp'], port);
    ({ gateway, url } = await startGateway(`
mcpServers:
${fixtureStdio('fx')}
httpServices:
  every:
    base_url: http://127.0.0.1:${port}/mcp
`));
  });

  after(async () => {
    for (const c of clients) await c.close().catch(() => {});
    await gateway?.close();
    if (upstream) await stopProcess(upstream);
  });

  it('declares sampling, elicitation and roots upstream, so server-everything offers its tools', async () => {
    const names = (await (await connect()).listTools()).tools.map((t) => t.name);
    for (const tool of ['trigger-sampling-request', 'trigger-elicitation-request', 'get-roots-list']) {
      assert.ok(names.includes(`every__${tool}`), tool);
    }
  });

  // First of the calls: server-everything asks for roots once by itself 350 ms after its session starts, and
  // caches the answer; were another test's call in flight then, that client would answer it and this call
  // would ask no one. Run first, the self-started request finds this call in flight or none (refused).
  it('relays roots/list to the client whose call caused it', async () => {
    const client = await connect(CAPABLE);
    const seen = answerAll(client);
    const result = await client.callTool({ name: 'every__get-roots-list', arguments: {} });
    assert.ok(seen.roots >= 1);
    assert.match(JSON.stringify(result.content), /file:\/\/\/work\/project/);
  });

  it('relays sampling/createMessage to the calling client and its answer back upstream', async () => {
    const client = await connect(CAPABLE);
    const seen = answerAll(client);
    const result = await client.callTool({
      name: 'every__trigger-sampling-request',
      arguments: { prompt: 'say hi', maxTokens: 20 },
    });
    assert.equal(result.isError, undefined);
    assert.match(text(result), /sampled by the test client/);
    assert.equal(seen.sampling.length, 1);
    assert.equal(seen.sampling[0]!.systemPrompt, 'You are a helpful test server.');
    assert.equal(seen.sampling[0]!.maxTokens, 20);
  });

  it('relays elicitation/create and returns the user answer upstream', async () => {
    const client = await connect(CAPABLE);
    const seen = answerAll(client);
    const result = await client.callTool({ name: 'every__trigger-elicitation-request', arguments: {} });
    assert.equal(seen.elicitation, 1);
    assert.match(JSON.stringify(result.content), /Ada Lovelace/);
  });

  it('answers the upstream with a precise error when the client lacks the capability', async () => {
    const client = await connect();
    const result = await client.callTool({
      name: 'every__trigger-sampling-request',
      arguments: { prompt: 'say hi' },
    });
    assert.equal(result.isError, true);
    assert.match(text(result), /did not declare the "sampling" capability/);

    const asked = JSON.parse(
      text(await client.callTool({ name: 'fx__ask_client', arguments: { method: 'roots/list' } })),
    ) as { error: { code: number; message: string; data: { code: string; backend: string } } };
    assert.equal(asked.error.code, -32009);
    assert.deepEqual(asked.error.data, { code: 'client_unsupported', backend: 'fx' });
  });

  it('refuses, instead of guessing, when clients of several sessions are in flight on a shared upstream', async () => {
    const busy = await connect(CAPABLE);
    const asker = await connect(CAPABLE);
    answerAll(busy);
    answerAll(asker);
    const abort = new AbortController();
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const waiting = busy
      .callTool(
        { name: 'fx__wait_for_cancel', arguments: { label: 'busy', ms: 20_000 } },
        {
          signal: abort.signal,
          onprogress: () => started(),
        },
      )
      .catch(() => undefined);
    await inFlight; // the upstream is running busy's call
    const asked = JSON.parse(
      text(await asker.callTool({ name: 'fx__ask_client', arguments: { method: 'roots/list' } })),
    ) as { error?: { code: number; message: string } };
    abort.abort();
    await waiting;
    assert.equal(asked.error?.code, -32019);
    assert.match(asked.error!.message, /ambiguous.*per_client/);
  });

  it('forwards other server-to-client methods as "method not found"', async () => {
    const client = await connect(CAPABLE);
    const asked = JSON.parse(
      text(await client.callTool({ name: 'fx__ask_client', arguments: { method: 'tasks/list' } })),
    ) as { error?: { code: number } };
    assert.equal(asked.error?.code, -32601);
  });
});

describe('attribution and capability rules', () => {
  const origin = (sessionId: string): Origin =>
    ({ sessionId, detached: () => origin(sessionId) }) as unknown as Origin;

  it('attributes to the only session in flight, refuses with none or several', async () => {
    const flight = new InFlight();
    assert.match(String((flight.attribute() as { error: string }).error), /no client request is in flight/);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const a1 = flight.track(origin('a'), () => held);
    const a2 = flight.track(origin('a'), () => held);
    assert.equal((flight.attribute() as { origin: Origin }).origin.sessionId, 'a');
    const b = flight.track(origin('b'), () => held);
    assert.match((flight.attribute() as { error: string }).error, /2 client sessions/);
    release();
    await Promise.all([a1, a2, b]);
    assert.equal(flight.size, 0);
    const perClient = new InFlight(() => origin('own'));
    assert.equal((perClient.attribute() as { origin: Origin }).origin.sessionId, 'own');
  });

  it('knows which capability each relayed request needs', () => {
    assert.equal(missingCapability({}, 'sampling/createMessage', {}), 'sampling');
    assert.equal(
      missingCapability({ sampling: {} }, 'sampling/createMessage', { tools: [] }),
      'sampling.tools',
    );
    assert.equal(missingCapability({ elicitation: {} }, 'elicitation/create', {}), undefined);
    assert.equal(
      missingCapability({ elicitation: {} }, 'elicitation/create', { mode: 'url' }),
      'elicitation.url',
    );
    assert.equal(
      missingCapability({ elicitation: { url: {} } }, 'elicitation/create', {}),
      'elicitation.form',
    );
    assert.equal(missingCapability({}, 'roots/list', undefined), 'roots');
    assert.equal(missingCapability({ roots: {} }, 'roots/list', undefined), undefined);
  });
});
