/**
 * The relay path for 2026-07-28 requests (one gateway server per request, no session): the same raw POSTs to a
 * gateway with the relay path on and one with it off get the same HTTP status and messages (`resultType`, the
 * cache fields of resources/read, the server identity in `_meta`, errors, progress), the plain ones served by
 * the relay path; a malformed envelope is the SDK's to refuse; a client that goes away cancels upstream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../../src/gateway.js';
import { relayCounts } from '../../../src/server/relay/relay-path.js';
import { fixtureStdio, relayOnOff, waitFor } from '../../helpers/gateway.js';
import { call, CASES, modern, postModern, sameAnswers, type Message } from './wire.js';

describe('relay path vs the SDK path (2026-07-28 requests, stdio upstream)', () => {
  let on: { gateway: Gateway; url: URL };
  let off: { gateway: Gateway; url: URL };
  before(async () => {
    ({ on, off } = await relayOnOff(`mcpServers:\n${fixtureStdio('up')}`));
  });
  after(async () => {
    await on?.gateway.close();
    await off?.gateway.close();
  });

  it('answers every request with the same status and messages either way', async () => {
    const checked = relayCounts.checked;
    await sameAnswers(
      CASES,
      (m) => postModern(on.url, m),
      (m) => postModern(off.url, m),
    );
    assert.equal(relayCounts.checked - checked, 2, 'the structured and rich results were checked by the SDK');
  });

  it('leaves a request whose envelope the SDK refuses to the SDK', async () => {
    const post = async (url: URL, body: Message) => {
      const m = modern(body);
      const params = m.body.params as { _meta: Record<string, unknown> };
      params._meta['io.modelcontextprotocol/clientCapabilities'] = 'none';
      const res = await fetch(url, { method: 'POST', headers: m.headers, body: JSON.stringify(m.body) });
      return { status: res.status, body: await res.text() };
    };
    const served = relayCounts.served;
    const body = call(1, 'up__slow', { ms: 1 });
    const [x, y] = [await post(on.url, body), await post(off.url, body)];
    assert.deepEqual(x, y);
    assert.match(x.body, /envelope|clientCapabilities/i);
    assert.equal(relayCounts.served, served, 'not relayed');
  });

  it('cancels the upstream call when the client goes away', async () => {
    const served = relayCounts.served;
    const abort = new AbortController();
    const m = modern(call(7, 'up__wait_for_cancel', { label: 'modern-relay-cancel', ms: 30_000 }));
    const pending = fetch(on.url, {
      method: 'POST',
      headers: m.headers,
      body: JSON.stringify(m.body),
      signal: abort.signal,
    });
    pending.catch(() => {});
    await waitFor(() => relayCounts.served > served, 10_000, 'the call is on the relay path');
    abort.abort();
    await waitFor(
      async () => {
        const { messages } = await postModern(on.url, call(8, 'up__cancellations', {}));
        const result = messages[0]?.result as { content: { text: string }[] } | undefined;
        return JSON.parse(result?.content[0]?.text ?? '[]').includes('modern-relay-cancel');
      },
      10_000,
      'the upstream saw the cancellation',
    );
  });
});
