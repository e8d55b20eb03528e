/** Shared by the audit tests: API keys, an SDK client with a key, and GET /v1/audit. */
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { AuditEvent } from '../../src/audit/event.js';

export const KEYS = `    api_keys:
      - { name: ops, key: "ops-key-0123456789", operator: true }
      - { name: alice, key: "alice-key-0123456789" }
      - { name: bob, key: "bob-key-0123456789ab" }
`;
export const OPS = 'ops-key-0123456789';
export const ALICE = 'alice-key-0123456789';
export const BOB = 'bob-key-0123456789ab';

/** An SDK client over Streamable HTTP authenticating with an API key. */
export async function clientWith(url: URL, key: string): Promise<Client & { end(): Promise<void> }> {
  const client = new Client({ name: 'audit-test', version: '1.0.0' });
  const headers = { 'X-API-Key': key };
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  await client.connect(transport);
  /** Ends the session (DELETE) and closes the client. */
  const end = async () => {
    await transport.terminateSession();
    await client.close();
  };
  return Object.assign(client, { end });
}

/** GET /v1/audit with a query, as the holder of `key` (null: no credentials). */
export async function audit(
  url: URL,
  query: Record<string, string> = {},
  key: string | null = OPS,
): Promise<{
  status: number;
  body: { events: AuditEvent[]; next?: string; source: string; detail?: string };
}> {
  const target = new URL('/v1/audit', url);
  for (const [k, v] of Object.entries(query)) target.searchParams.set(k, v);
  const res = await fetch(target, { headers: key ? { 'X-API-Key': key } : {} });
  return { status: res.status, body: (await res.json()) as never };
}

/** Every event a query finds, following `next` a page of `limit` at a time. */
export async function allPages(
  url: URL,
  query: Record<string, string>,
  limit: number,
): Promise<AuditEvent[][]> {
  const pages: AuditEvent[][] = [];
  let cursor: string | undefined;
  do {
    const { status, body } = await audit(url, {
      ...query,
      limit: String(limit),
      ...(cursor ? { cursor } : {}),
    });
    if (status !== 200) throw new Error(`GET /v1/audit answered ${status}`);
    pages.push(body.events);
    cursor = body.next;
  } while (cursor);
  return pages;
}
