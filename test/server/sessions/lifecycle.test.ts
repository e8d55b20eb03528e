/**
 * Nothing stays behind a closed session: after many sessions open, call and close (by DELETE, or evicted at the
 * cap), the gateway's per-session registries are empty again (the soak in bench/soak.ts checks the same with
 * heap snapshots).
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { Gateway } from '../../../src/gateway.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';
import { connectClient, fixtureStdio, startGateway, text, waitFor } from '../../helpers/gateway.js';
import { initialize, json, raw } from '../../helpers/http.js';

const cleanups: (() => Promise<unknown> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** The per-session state the gateway holds, all of which should be back to 0 with no session open. */
function held(gateway: Gateway) {
  return {
    sessions: gateway.sessions.size,
    peers: gateway.peers.size,
    requests: gateway.drain.counts().requests,
    parked: gateway.input.bridge.size,
    upstreamCalls: gateway.pool.inFlight(),
  };
}

const NONE = { sessions: 0, peers: 0, requests: 0, parked: 0, upstreamCalls: 0 };

describe('closed sessions', () => {
  it('leave no session, peer, request or upstream call behind', async () => {
    const { gateway, url } = await startGateway(
      `gateway:\n  max_sessions: 5\n  session_eviction_min_idle: 0ms\nmcpServers:\n${fixtureStdio('fx')}`,
    );
    cleanups.push(() => gateway.close());
    // Closed by DELETE.
    for (let i = 0; i < 20; i++) {
      const { client, transport } = await connectClient(url);
      assert.equal(
        text(await client.callTool({ name: 'fx__add', arguments: { a: i, b: 1 } })),
        String(i + 1),
      );
      await transport.terminateSession();
      await client.close();
    }
    await waitFor(() => JSON.stringify(held(gateway)) === JSON.stringify(NONE), 5000, 'all released');
    // Left open (no GET stream, as a flood leaves them) and evicted at the cap by newer ones.
    for (let i = 0; i < 15; i++) {
      const id = await initialize(url);
      const call = {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'fx__add', arguments: { a: i, b: 1 } },
      };
      const res = await raw(
        url,
        'POST',
        { ...json, 'mcp-session-id': id, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION },
        JSON.stringify(call),
      );
      assert.match(res.body, new RegExp(`"text":"${i + 1}"`));
    }
    assert.equal(gateway.sessions.size, 5);
    assert.equal(gateway.sessions.evicted.max_sessions, 10);
    await waitFor(() => gateway.peers.size === 5, 5000, 'peers of evicted sessions released');
    assert.deepEqual({ ...held(gateway), sessions: 0, peers: 0 }, NONE);
  });
});
