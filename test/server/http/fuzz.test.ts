/**
 * Fuzzing /mcp over real HTTP: thousands of malformed requests (seeded, so a failure reproduces with the same
 * FUZZ_SEED) while a well-formed SDK client keeps calling a tool. No bad request may get a 5xx, hang, or succeed.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, describe, it } from 'node:test';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import { connectClient, fixtureStdio, startGateway, text } from '../../helpers/gateway.js';
import { INIT, json, raw } from '../../helpers/http.js';
import { fuzzCase, type FuzzCase } from '../../helpers/fuzz-cases.js';
import { mulberry32 } from '../../helpers/random.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const TOTAL = 10_000;
const IN_FLIGHT = 8;
const MAX_BODY = 65_536;

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Outcome {
  status: number;
  body: string;
}

/** Sends one case; rejects after a per-request timeout so a hang fails the test instead of stalling it. */
function send(url: URL, agent: Agent, c: FuzzCase): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: c.method, headers: c.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(15_000, () => req.destroy(new Error('no answer within 15 s')));
    req.on('error', reject);
    req.end(c.body);
  });
}

/** Why an outcome is unacceptable for a malformed request, or undefined when it is fine. */
function verdict(c: FuzzCase, o: Outcome): string | undefined {
  if (o.status >= 500) return `HTTP ${o.status}`;
  if (o.status >= 400) return undefined;
  if (o.status === 202 && c.notification) return undefined;
  // A JSON-RPC error, or a tool's own error result (an upstream refusing bad arguments).
  if (/"error":\{"code":-?\d+|"isError":true/.test(o.body)) return undefined;
  return `HTTP ${o.status} without a JSON-RPC error`;
}

describe('fuzzing /mcp', () => {
  it(`answers ${TOTAL} malformed requests with 4xx or JSON-RPC errors while a real client keeps working`, async () => {
    const { gateway, url } = await startGateway(
      `gateway:\n  max_body_bytes: ${MAX_BODY}\n  body_timeout: 5s\nmcpServers:\n${fixtureStdio('fx')}`,
    );
    cleanups.push(() => gateway.close());
    const init = await raw(url, 'POST', json, JSON.stringify(INIT));
    assert.equal(init.status, 200, init.body);
    const session = init.headers['mcp-session-id'] as string;
    const agent = new Agent({ keepAlive: true, maxSockets: IN_FLIGHT });
    cleanups.push(() => agent.destroy());

    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    let fuzzing = true;
    let good = 0;
    const goodFailures: string[] = [];
    const goodLoop = (async () => {
      while (fuzzing) {
        try {
          const result = await client.callTool({ name: 'fx__add', arguments: { a: good, b: 1 } });
          if (text(result) !== String(good + 1)) goodFailures.push(`wrong answer ${text(result)}`);
        } catch (err) {
          goodFailures.push(String(err));
        }
        good++;
      }
    })();

    const random = mulberry32(SEED);
    const cases = Array.from({ length: TOTAL }, () =>
      fuzzCase(random, { session, protocol: LATEST_PROTOCOL_VERSION, maxBody: MAX_BODY }),
    );
    const bad: string[] = [];
    const kinds = new Map<string, number>();
    const statuses = new Map<number, number>();
    let next = 0;
    const started = Date.now();
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        const c = cases[i]!;
        kinds.set(c.kind, (kinds.get(c.kind) ?? 0) + 1);
        try {
          const outcome = await send(url, agent, c);
          statuses.set(outcome.status, (statuses.get(outcome.status) ?? 0) + 1);
          const why = verdict(c, outcome);
          if (why) bad.push(`#${i} ${c.kind}: ${why}`);
        } catch (err) {
          // An oversize body may be cut off by the 413 while it is still being written.
          if (!(c.kind === 'oversize' && /ECONNRESET|EPIPE/.test(String(err))))
            bad.push(`#${i} ${c.kind}: ${String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    const elapsed = Date.now() - started;
    fuzzing = false;
    await goodLoop;

    assert.deepEqual(bad.slice(0, 20), [], `seed ${SEED}: ${bad.length} unacceptable answers`);
    assert.deepEqual(goodFailures, [], 'the well-formed client never failed');
    assert.ok(good > 0, 'the well-formed client made calls during the fuzzing');
    assert.ok(kinds.size >= 15, `every kind of case was sent: ${[...kinds.keys()].join(', ')}`);
    const alive = await raw(new URL('/healthz', url), 'GET', {});
    assert.equal(alive.status, 200, 'the gateway is alive');
    const last = await client.callTool({ name: 'fx__add', arguments: { a: 20, b: 22 } });
    assert.equal(text(last), '42');
    console.log(
      `fuzz: ${TOTAL} requests in ${elapsed} ms (seed ${SEED}); ${good} good calls alongside; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  });
});
