/** The one send path: resume check, expiry retry, failure mapping and release, whoever's session it is. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SdkErrorCode, SdkHttpError, type Client } from '@modelcontextprotocol/client';
import { z } from 'zod';
import { GatewayError } from '../../../src/errors.js';
import { sendUpstream, type UpstreamSession } from '../../../src/backends/sessions/send.js';

const target = { backend: 'fx', timeoutMs: 1000, tools: [] };
const schema = z.object({ ok: z.boolean() });

/** A session whose client answers with `answers` in turn (an Error is thrown); what happens to it is recorded. */
function fakeSession(answers: unknown[], events: string[]): UpstreamSession {
  const client = {
    request: async (req: { method: string }) => {
      events.push(`request ${req.method}`);
      const next = answers.shift();
      if (next instanceof Error) throw next;
      return next;
    },
  } as unknown as Client;
  return {
    client,
    era: 'legacy',
    track: (_origin, run) => run(),
    resubscribe: () => undefined,
    sent: (method) => events.push(`sent ${method}`),
    renew: async () => void events.push('renew'),
    drop: (reason) => events.push(`drop ${reason}`),
    release: () => events.push('release'),
  };
}

const expired = () =>
  new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, 'Session not found', {
    status: 404,
    statusText: '',
  });

describe('sendUpstream', () => {
  it('sends on the session and releases it', async () => {
    const events: string[] = [];
    const session = fakeSession([{ ok: true }], events);
    const result = await sendUpstream(target, async () => session, 'tools/call', { name: 'x' }, schema, {});
    assert.deepEqual(result, { ok: true });
    assert.deepEqual(events, ['request tools/call', 'sent tools/call', 'release']);
  });

  it('renews a session the upstream forgot and sends once more, on the session opened anew', async () => {
    const events: string[] = [];
    const answers: unknown[] = [expired(), { ok: true }];
    let opened = 0;
    const open = async () => (opened++, fakeSession(answers, events));
    const result = await sendUpstream(target, open, 'tools/call', { name: 'x' }, schema, {});
    assert.deepEqual(result, { ok: true });
    assert.equal(opened, 2);
    assert.deepEqual(events, [
      'request tools/call',
      'renew',
      'request tools/call',
      'sent tools/call',
      'release',
      'release',
    ]);
  });

  it('renews only once: a second expiry is the caller error', async () => {
    const events: string[] = [];
    const answers: unknown[] = [expired(), expired()];
    const open = async () => fakeSession(answers, events);
    await assert.rejects(sendUpstream(target, open, 'tools/call', undefined, schema, {}), GatewayError);
    assert.equal(events.filter((e) => e === 'renew').length, 1);
  });

  it('maps an unreachable upstream to backend_unavailable and drops the session', async () => {
    const events: string[] = [];
    const refused = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    const open = async () => fakeSession([refused], events);
    await assert.rejects(sendUpstream(target, open, 'tools/call', undefined, schema, {}), (err: unknown) => {
      assert.ok(err instanceof GatewayError);
      assert.equal(err.code, 'backend_unavailable');
      assert.match(err.message, /backend "fx" is unreachable \(ECONNREFUSED\)/);
      return true;
    });
    assert.ok(events.includes('drop upstream unreachable: ECONNREFUSED'));
    assert.equal(events.at(-1), 'release');
  });

  it('answers a cancelled request as cancelled, without a retry', async () => {
    const events: string[] = [];
    const abort = new AbortController();
    abort.abort();
    const open = async () => fakeSession([expired()], events);
    const sent = sendUpstream(target, open, 'tools/call', undefined, schema, { signal: abort.signal });
    await assert.rejects(sent, (err: unknown) => err instanceof GatewayError && err.code === 'cancelled');
    assert.ok(!events.includes('renew'));
  });

  it('refuses a requestState issued for another backend before opening a session', async () => {
    let opened = false;
    const open = async () => ((opened = true), fakeSession([], []));
    const opts = { resume: { backend: 'other', requestState: 's' } };
    await assert.rejects(
      sendUpstream(target, open, 'tools/call', undefined, schema, opts),
      (err: unknown) => {
        assert.ok(err instanceof GatewayError);
        assert.equal(err.code, 'invalid_arguments');
        assert.match(err.message, /issued for backend "other", not "fx"/);
        return true;
      },
    );
    assert.equal(opened, false);
  });
});
