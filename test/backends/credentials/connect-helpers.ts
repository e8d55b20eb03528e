/** Shared by the authorization_code tests: a user's consent walked over HTTP, and the gateway's log captured. */
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { log } from '../../../src/log.js';

/**
 * Walks a connect page as a browser would, without one: the page, its Connect button (POST), the authorization
 * server's form signed in as `user` and approved, then the callback with the cookie. Returns the final page.
 */
export async function approve(
  pageUrl: string,
  user: string,
  decision = 'approve',
): Promise<{ status: number; html: string }> {
  const shown = await fetch(pageUrl);
  const html = await shown.text();
  assert.equal(shown.status, 200, html);
  const confirmed = await fetch(pageUrl, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: new URL(pageUrl).origin },
  });
  assert.equal(confirmed.status, 303);
  const cookie = confirmed.headers.get('set-cookie')!.split(';')[0]!;
  const authorize = new URL(confirmed.headers.get('location')!);
  const form = new URLSearchParams(authorize.searchParams);
  form.set('user', user);
  form.set('decision', decision);
  const approved = await fetch(authorize.origin + authorize.pathname, {
    method: 'POST',
    body: form,
    redirect: 'manual',
  });
  assert.equal(approved.status, 302);
  const callback = await fetch(approved.headers.get('location')!, { headers: { cookie } });
  return { status: callback.status, html: await callback.text() };
}

/** An SDK client with an API key, declaring URL elicitation when `url` is set, in the era asked for. */
export async function userClient(
  url: URL,
  key: string,
  opts: { url?: boolean; modern?: boolean } = {},
): Promise<Client> {
  const client = new Client(
    { name: 'connect-test', version: '1.0.0' },
    {
      capabilities: opts.url ? { elicitation: { url: {} } } : {},
      ...(opts.modern ? { versionNegotiation: { mode: 'auto' as const } } : {}),
    },
  );
  await client.connect(
    new StreamableHTTPClientTransport(url, { requestInit: { headers: { 'x-api-key': key } } }),
  );
  return client;
}

/** Every log line the gateway writes from now on (all levels), warnings and errors still printed. */
export function captureLogs(): { text: () => string; stop: () => void } {
  const stream = (log as unknown as Record<symbol, { write: (s: string) => boolean }>)[
    pino.symbols.streamSym
  ]!;
  const write = stream.write.bind(stream);
  const level = log.level;
  log.level = 'debug';
  let text = '';
  stream.write = (s: string) => {
    text += s;
    return /"level":(40|50|60)/.test(s) ? write(s) : true;
  };
  return {
    text: () => text,
    stop: () => {
      stream.write = write;
      log.level = level;
    },
  };
}
