/**
 * The relay path (gateway.relay_path) against the SDK's path: the same 2025 session requests, sent over raw
 * HTTP to a gateway with the relay path on and one with it off, get the same JSON-RPC messages back (results,
 * errors, progress) for every relayed method, and cancellation reaches the upstream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../../src/gateway.js';
import { relayCounts } from '../../../src/server/relay/relay-path.js';
import { fixtureStdio, relayOnOff, waitFor } from '../../helpers/gateway.js';
import { call, CASES, sameAnswers, session } from './wire.js';

describe('relay path vs the SDK path (2025 session, stdio upstream)', () => {
  let on: { gateway: Gateway; url: URL };
  let off: { gateway: Gateway; url: URL };
  before(async () => {
    ({ on, off } = await relayOnOff(`mcpServers:\n${fixtureStdio('up')}`));
  });
  after(async () => {
    await on?.gateway.close();
    await off?.gateway.close();
  });

  it('answers every request with the same messages either way', async () => {
    const a = await session(on.url);
    const b = await session(off.url);
    const checked = relayCounts.checked;
    await sameAnswers(
      CASES,
      (m) => a.post(m),
      (m) => b.post(m),
    );
    assert.equal(relayCounts.checked - checked, 2, 'the structured and rich results were checked by the SDK');
  });

  it('serves sessions of older revisions the same way (2025-06-18, 2024-11-05)', async () => {
    for (const version of ['2025-06-18', '2024-11-05']) {
      const a = await session(on.url, version);
      const b = await session(off.url, version);
      await sameAnswers(
        CASES,
        (m) => a.post(m),
        (m) => b.post(m),
      );
    }
  });

  it('gives progress before the answer on the call stream', async () => {
    const { messages } = await (
      await session(on.url)
    ).post(call(20, 'up__slow', { ms: 20, steps: 2 }, { progressToken: 't' }));
    assert.deepEqual(
      messages.map((m) => m.method ?? `answer ${String(m.id)}`),
      ['notifications/progress', 'notifications/progress', 'answer 20'],
    );
  });

  it('passes a client cancellation upstream and sends no answer', async () => {
    const s = await session(on.url);
    const abort = new AbortController();
    const served = relayCounts.served;
    const pending = s.post(
      call(30, 'up__wait_for_cancel', { label: 'relay-cancel', ms: 30_000 }),
      abort.signal,
    );
    pending.catch(() => {});
    await waitFor(() => relayCounts.served > served, 10_000, 'the call is on the relay path');
    const cancelled = await s.post({
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: 30, reason: 'test' },
    });
    assert.equal(cancelled.status, 202);
    await waitFor(
      async () => {
        const { messages } = await s.post(call(31, 'up__cancellations', {}));
        const result = messages[0]?.result as { content: { text: string }[] } | undefined;
        return JSON.parse(result?.content[0]?.text ?? '[]').includes('relay-cancel');
      },
      10_000,
      'the upstream saw the cancellation',
    );
    abort.abort();
  });
});
