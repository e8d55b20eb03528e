/**
 * Three real gateway processes behind a round-robin proxy, one Redis: 2025-era sessions survive any replica,
 * 2026-07-28 requests need no stickiness.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Redis } from 'ioredis';
import { fixtureStdio, freePort, text, waitFor, writeConfig } from '../helpers/gateway.js';
import { deleteKeys, REDIS_URL, redisReachable, requireRedis, testPrefix } from '../queue/redis-helpers.js';
import { Replica, RoundRobinProxy, type Hop } from './replicas-helpers.js';

const reachable = await redisReachable();
const prefix = testPrefix();
const SECRET = 'replicas-test-shared-request-state-secret-0123456789';
const CAPABILITIES = { sampling: {}, elicitation: { form: {} } };

/** The config every replica reads: one 2026-era stdio fixture (`fx`), Redis, a shared requestState key. */
function yaml(extra = ''): string {
  return `gateway:
  redis: { url: "${REDIS_URL}", prefix: "${prefix}" }
  request_state_secret: "${SECRET}"
mcpServers:
${fixtureStdio('fx', `    protocol: "2026-07-28"\n${extra}`, { FIXTURE_ERA: '2026' })}`;
}

async function connect(url: URL, modern: boolean) {
  const client = new Client(
    { name: `replicas-${modern ? '2026' : '2025'}`, version: '1.0.0' },
    { capabilities: CAPABILITIES, versionNegotiation: { mode: modern ? 'auto' : 'legacy' } },
  );
  const seen = { logs: [] as string[], updated: [] as string[], toolsChanged: 0, sampled: 0 };
  client.setRequestHandler('sampling/createMessage', async () => {
    seen.sampled++;
    return { role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'test-model' };
  });
  client.setRequestHandler('elicitation/create', async () => ({
    action: 'accept',
    content: { name: 'Ada' },
  }));
  client.setNotificationHandler('notifications/message', (n) => void seen.logs.push(n.params.level));
  client.setNotificationHandler(
    'notifications/resources/updated',
    (n) => void seen.updated.push(n.params.uri),
  );
  client.setNotificationHandler('notifications/tools/list_changed', () => void seen.toolsChanged++);
  const transport = new StreamableHTTPClientTransport(url);
  await client.connect(transport);
  return { client, seen, transport };
}

const SAMPLE = {
  method: 'sampling/createMessage',
  params: { messages: [{ role: 'user', content: { type: 'text', text: 'hi' } }], maxTokens: 10 },
};

describe('three replicas behind a round-robin proxy', () => {
  let replicas: Replica[] = [];
  let proxy: RoundRobinProxy;
  let url: URL;
  let config: string;
  let redis: Redis;

  before(async () => {
    if (!reachable) return;
    config = writeConfig(yaml());
    const ports = [await freePort(), await freePort(), await freePort()];
    replicas = ports.map((p) => new Replica(p, config));
    await Promise.all(replicas.map((r) => r.start(['fx'])));
    proxy = new RoundRobinProxy(ports);
    url = await proxy.listen();
    redis = new Redis(REDIS_URL);
  });

  after(async () => {
    await proxy?.close();
    await Promise.all(replicas.map((r) => r.stop()));
    if (reachable) await deleteKeys(prefix);
    redis?.disconnect();
  });

  const ready = (t: TestContext) => requireRedis(t, reachable);
  /** The hops of one session from `from` on. */
  const hopsOf = (session: string | undefined, from = 0): Hop[] =>
    proxy.hops.slice(from).filter((h) => h.session === session);

  it('serves a 2025 session from every replica, across a kill and a rolling restart', async (t) => {
    if (!ready(t)) return;
    const { client, seen, transport } = await connect(url, false);
    const id = transport.sessionId!;
    assert.ok(id, 'a session id');
    assert.equal(client.getNegotiatedProtocolVersion(), '2025-11-25');
    assert.ok((await redis.pttl(`${prefix}:sessions:s:${id}`)) > 0, 'the session is recorded with a TTL');

    const tools = (await client.listTools()).tools.map((x) => x.name);
    assert.ok(tools.includes('fx__add'));

    // Progress of a call comes on that call's own stream, from the replica that runs it.
    const progress: number[] = [];
    const slow = await client.callTool(
      { name: 'fx__slow', arguments: { ms: 300, steps: 3 } },
      {
        onprogress: (p) => void progress.push(p.progress),
      },
    );
    assert.equal(slow.isError, undefined);
    assert.deepEqual(progress, [1, 2, 3]);

    // A sampling round trip: the request goes out on the call's stream, the answer lands on another replica.
    const mark = proxy.hops.length;
    const asked = JSON.parse(text(await client.callTool({ name: 'fx__ask_input', arguments: SAMPLE }))) as {
      answer?: { content: { text: string } };
    };
    assert.equal(asked.answer?.content.text, 'sampled');
    const call = hopsOf(id, mark).find((h) => h.rpc === 'tools/call')!;
    const answer = hopsOf(id, mark).find((h) => h.rpc === 'response')!;
    assert.ok(answer, 'the client answered by POST');
    assert.notEqual(answer.replica, call.replica, 'the answer reached another replica and was routed back');

    // The log level set on one replica applies to calls on the others.
    await client.setLoggingLevel('info');
    await client.callTool({ name: 'fx__log', arguments: { levels: ['debug', 'info', 'error'] } });
    await waitFor(() => seen.logs.includes('error'), 20_000, 'log messages of the call');
    assert.deepEqual(seen.logs, ['info', 'error']);

    // Subscribe on a replica that does not hold the GET stream; its updates reach the stream elsewhere.
    const stream = hopsOf(id).find((h) => h.method === 'GET')!;
    assert.ok(stream, 'the client opened its GET stream');
    let subscribedOn = -1;
    let subscribed = '';
    for (const uri of ['fixture://static', 'fixture://items/1', 'fixture://items/2']) {
      const before = proxy.hops.length;
      await client.subscribeResource({ uri });
      subscribedOn = hopsOf(id, before).find((h) => h.rpc === 'resources/subscribe')!.replica;
      subscribed = uri;
      if (subscribedOn !== stream.replica) {
        // Round robin: one of three calls runs on the replica holding the upstream subscription.
        for (let i = 0; i < 3; i++) await client.callTool({ name: 'fx__touch', arguments: { uri } });
        await waitFor(() => seen.updated.includes(uri), 20_000, `resources/updated for ${uri}`);
        break;
      }
    }
    assert.notEqual(subscribedOn, stream.replica, 'a subscription made away from the GET stream');
    const subsKey = `${prefix}:sessions:subs:${id}`;
    assert.ok(await redis.hget(subsKey, subscribed), 'the subscription is recorded with its replica');

    // A reload that changes the catalog: every replica follows the file; the stream's replica tells the client.
    writeFileSync(config, yaml('    tools: { exclude: ["add"] }\n'));
    await waitFor(() => seen.toolsChanged >= 1, 60_000, 'tools/list_changed after the reload');
    for (let i = 0; i < 3; i++) {
      const names = (await client.listTools()).tools.map((x) => x.name);
      if (names.includes('fx__add'))
        await waitFor(
          async () => !(await client.listTools()).tools.some((x) => x.name === 'fx__add'),
          60_000,
          'reloaded everywhere',
        );
    }

    // Kill the replica holding the GET stream outright: the session goes on, the stream moves.
    const victim = replicas[stream.replica]!;
    await victim.stop('SIGKILL');
    for (let i = 0; i < 4; i++) {
      const r = await client.callTool({ name: 'fx__slow', arguments: { ms: 1 } });
      assert.equal(r.isError, undefined, text(r));
    }
    const resampled = JSON.parse(
      text(await client.callTool({ name: 'fx__ask_input', arguments: SAMPLE })),
    ) as {
      answer?: { content: { text: string } };
    };
    assert.equal(resampled.answer?.content.text, 'sampled');
    await victim.start(['fx']);
    const changedBefore = seen.toolsChanged;
    writeFileSync(config, yaml());
    await waitFor(() => seen.toolsChanged > changedBefore, 60_000, 'list_changed on the moved GET stream');
    assert.equal(transport.sessionId, id, 'the same session, never initialized again');

    // Restart all three, one by one, under continuous calls.
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const load = (async () => {
      while (!stop) {
        try {
          const r = await client.callTool({ name: 'fx__add', arguments: { a: 1, b: 2 } });
          if (r.isError) failures.push(text(r));
          else ok++;
        } catch (err) {
          failures.push(String(err));
        }
      }
    })();
    for (const [i, replica] of replicas.entries()) {
      const before = ok;
      proxy.setUp(i, false);
      await replica.stop('SIGTERM');
      await replica.start(['fx']);
      proxy.setUp(i, true);
      await waitFor(() => ok > before + 5, 60_000, `calls go on after restarting replica ${i}`);
    }
    stop = true;
    await load;
    // A call already on its way to a replica when it began stopping is refused, never lost: both say retry.
    assert.ok(
      failures.every((f) => /replica stopping|shutting down and takes no new requests; retry/.test(f)),
      `only calls cut short or refused by a stopping replica may fail: ${failures.join('; ')}`,
    );
    assert.equal(transport.sessionId, id, 'the session survived every restart');

    // Every replica restarted, the one holding the upstream subscription too: the subscription was taken over.
    seen.updated.length = 0;
    await waitFor(
      async () => {
        await client.callTool({ name: 'fx__touch', arguments: { uri: subscribed } });
        return seen.updated.includes(subscribed);
      },
      30_000,
      `resources/updated for ${subscribed} after its replica restarted`,
    );
    await client.unsubscribeResource({ uri: subscribed });
    assert.equal(await redis.hget(subsKey, subscribed), null, 'unsubscribing removes the record');

    // DELETE is cluster-wide: no replica knows the session afterwards, and its record is gone.
    await transport.terminateSession();
    for (const r of replicas) {
      const res = await fetch(r.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-session-id': id,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      assert.equal(res.status, 404, `replica ${r.port} forgot the session`);
    }
    assert.equal(await redis.exists(`${prefix}:sessions:s:${id}`), 0);
    await client.close();

    const posts = hopsOf(id).filter((h) => h.method === 'POST');
    assert.equal(new Set(posts.map((h) => h.replica)).size, 3, 'requests landed on all three replicas');
  });

  it('serves a 2026-07-28 client without stickiness, input_required answered on another replica', async (t) => {
    if (!ready(t)) return;
    const { client, seen } = await connect(url, true);
    assert.equal(client.getProtocolEra(), 'modern');
    const progress: number[] = [];
    await client.callTool(
      { name: 'fx__slow', arguments: { ms: 300, steps: 3 } },
      {
        onprogress: (p) => void progress.push(p.progress),
      },
    );
    assert.deepEqual(progress, [1, 2, 3]);

    const mark = proxy.hops.length;
    const asked = JSON.parse(
      text(
        await client.callTool({
          name: 'fx__ask_input',
          arguments: {
            method: 'elicitation/create',
            params: {
              message: 'name?',
              requestedSchema: { type: 'object', properties: { name: { type: 'string' } } },
            },
          },
        }),
      ),
    ) as { answer?: unknown };
    assert.deepEqual(asked.answer, { action: 'accept', content: { name: 'Ada' } });
    const calls = proxy.hops.slice(mark).filter((h) => h.rpc === 'tools/call');
    assert.equal(calls.length, 2, 'the call and its retry with the requestState');
    assert.notEqual(calls[0]!.replica, calls[1]!.replica, 'the retry was accepted by another replica');

    // Any replica can go away between requests.
    await replicas[0]!.stop('SIGKILL');
    for (let i = 0; i < 4; i++) {
      const r = await client.callTool({ name: 'fx__add', arguments: { a: 2, b: 2 } });
      assert.equal(text(r), '4');
    }
    await replicas[0]!.start(['fx']);
    assert.equal(seen.toolsChanged, 0);
    await client.close();
  });
});
