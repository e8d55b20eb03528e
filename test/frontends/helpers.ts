import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
/** Helpers of the WebSocket and legacy SSE frontend tests: gateways with two API keys, the CLI as a process. */
import type { Client } from '@modelcontextprotocol/client';
import { loadConfig } from '../../src/config/load.js';
import type { SocketTiming } from '../../src/frontends/ws-transport.js';
import { Gateway } from '../../src/gateway.js';
import { fixtureStdio, waitFor, writeConfig } from '../helpers/gateway.js';
export { serveCli, treeOf } from '../helpers/gateway.js';

export const ALICE = 'alice-key-0123456789';
export const BOB = 'bob-key-0123456789abc';

/** A gateway config with API keys for alice and bob, the given backends and extra gateway settings. */
export const keyed = (backends: string, gateway = '') => `gateway:
${gateway}  auth:
    api_keys:
      - { name: alice, key: "${ALICE}", operator: true }
      - { name: bob, key: "${BOB}" }
mcpServers:
${backends}`;

/** An in-process gateway on an ephemeral port with the given WebSocket timing. */
export async function startWith(
  yaml: string,
  timing?: SocketTiming,
): Promise<{ gateway: Gateway; base: URL; file: string }> {
  const file = writeConfig(yaml);
  const options = { overrides: { port: 0, host: '127.0.0.1' } };
  const gateway = new Gateway(loadConfig(file, options), options, { wsTiming: timing });
  await gateway.start();
  await gateway.pool.settled();
  await waitFor(() => gateway.catalog.snapshot().toolsByName.has('a__add'), 20_000, 'backend a listed');
  return { gateway, base: new URL('/', gateway.url), file };
}

/** Reloads to backends a and b and waits until the client has heard tools/list_changed and lists b__add. */
export async function expectListChanged(
  gateway: Gateway,
  client: Client,
  file: string,
  settings: string,
  where: string,
): Promise<void> {
  let changed = 0;
  client.setNotificationHandler('notifications/tools/list_changed', () => void changed++);
  writeFileSync(file, keyed(`${fixtureStdio('a')}${fixtureStdio('b')}`, settings));
  await gateway.reload();
  await waitFor(() => changed > 0, 20_000, `tools/list_changed ${where}`);
  const names = (await client.listTools()).tools.map((t) => t.name);
  assert.ok(names.includes('b__add'), names.join(', '));
}

/** The requests /readyz counts in flight. */
export async function inFlight(base: URL): Promise<unknown> {
  const res = await fetch(new URL('/readyz', base), { headers: { 'x-api-key': ALICE } });
  return ((await res.json()) as { requestsInFlight?: unknown }).requestsInFlight;
}
