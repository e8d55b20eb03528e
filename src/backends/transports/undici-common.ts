import type { Dispatcher, Pool } from 'undici';
import { SdkError } from '@modelcontextprotocol/client';

/** Headers read at each request, e.g. a client's forwarded Authorization, which may change during its session. */
export type HeaderSource = () => Record<string, string>;

/**
 * The connection pool settings of switchboard's HTTP upstream transports. No undici timeouts: a tool may take
 * long to answer and an event stream idles; the protocol layer times requests out and closing the transport
 * ends everything.
 */
export const POOL_OPTIONS: Pool.Options = {
  headersTimeout: 0,
  bodyTimeout: 0,
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
};

let undici: Promise<typeof import('undici')> | undefined;

/** A connection pool to `origin`; undici is loaded by the first one (gateways with only stdio upstreams never do). */
export async function openPool(origin: string): Promise<Pool> {
  const { Pool } = await (undici ??= import('undici'));
  return new Pool(origin, POOL_OPTIONS);
}

/** A response header's (first) value. */
export function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The `type/subtype` of a content-type value, lower case. */
export function mediaType(value: string | undefined): string {
  return (value ?? '').split(';', 1)[0]!.trim().toLowerCase();
}

/** A connection failure, shaped like fetch's (a TypeError with the socket error as cause), which callers classify. */
export function networkError(err: unknown): unknown {
  if (err instanceof Error && (err.name === 'AbortError' || err instanceof SdkError)) return err;
  const code = (err as { code?: string }).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
    return new TypeError('fetch failed', { cause: err });
  }
  if (typeof code === 'string' && code.startsWith('UND_ERR_SOCKET')) {
    return new TypeError('fetch failed', { cause: err });
  }
  return err;
}
