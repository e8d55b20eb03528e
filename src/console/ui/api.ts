/** The console's calls to /v1: the key from sessionStorage as a bearer token, errors as ApiError. */

const KEY = 'switchboard.console.key';

/** The key entered in this tab, if any (kept for the tab's session only). */
export function getKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function setKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function clearKey(): void {
  sessionStorage.removeItem(KEY);
}

/** A refusal or failure from the gateway: HTTP status, a title and the detail to show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly body?: unknown,
  ) {
    super(detail ? `${title}: ${detail}` : title);
  }
  /** A 401's WWW-Authenticate: it names the protected-resource metadata when the gateway takes OAuth tokens. */
  challenge?: string;
}

function headers(extra: Record<string, string> = {}): Headers {
  const out = new Headers(extra);
  const key = getKey();
  if (key) out.set('Authorization', `Bearer ${key}`);
  return out;
}

/** An ApiError from a problem+json, JSON-RPC error or plain response body. */
export function errorFrom(status: number, body: unknown, text = ''): ApiError {
  const b = body as Record<string, unknown> | undefined;
  if (b && typeof b === 'object') {
    if (typeof b.title === 'string' || typeof b.detail === 'string') {
      return new ApiError(status, String(b.title ?? `HTTP ${status}`), String(b.detail ?? ''), body);
    }
    const rpc = b.error as { message?: unknown } | undefined;
    if (rpc && typeof rpc.message === 'string')
      return new ApiError(status, `HTTP ${status}`, rpc.message, body);
  }
  return new ApiError(status, `HTTP ${status}`, text.trim().slice(0, 500));
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const err = errorFrom(res.status, body, text);
  err.challenge = res.headers.get('WWW-Authenticate') ?? undefined;
  return err;
}

/** The tool set the console looks at ('' for the whole catalog): its tools, discovery and calls. */
let scope = '';

/** Looks at one tool set (or, with '', the whole catalog) from now on. */
export function setScope(set: string): void {
  scope = set;
}

/** A /v1 path, under the chosen tool set for what a set changes. */
function url(path: string): string {
  return scope && /^\/(tools|discover|resources|prompts)(\/|$)/.test(path)
    ? `/v1/${encodeURIComponent(scope)}${path}`
    : `/v1${path}`;
}

/** GET or POST a /v1 path and parse its JSON answer. */
export async function api<T>(path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url(path), {
      method: body === undefined ? 'GET' : 'POST',
      headers: headers(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    throw new ApiError(0, 'Gateway unreachable', String(err));
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** A body-less POST or DELETE of a /v1 path, its JSON answer parsed. */
export async function act<T>(method: 'POST' | 'DELETE', path: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(url(path), { method, headers: headers() });
  } catch (err) {
    throw new ApiError(0, 'Gateway unreachable', String(err));
  }
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: string;
}

/** Reads server-sent events from a response body until it ends. */
export async function readEvents(res: Response, onEvent: (e: SseEvent) => void): Promise<void> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: RegExpExecArray | null;
    while ((end = /\r?\n\r?\n/.exec(buffer))) {
      const block = buffer.slice(0, end.index);
      buffer = buffer.slice(end.index + end[0].length);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const v = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = v;
        else if (field === 'data') data.push(v);
      }
      if (data.length) onEvent({ event, data: data.join('\n') });
    }
  }
}

/** Opens a GET or POST that answers with server-sent events (the key as a header, which EventSource cannot send). */
export async function openStream(path: string, body: unknown, signal: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url(path), {
      method: body === undefined ? 'GET' : 'POST',
      headers: headers({
        Accept: 'text/event-stream',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal,
    });
  } catch (err) {
    if (signal.aborted) throw err;
    throw new ApiError(0, 'Gateway unreachable', String(err));
  }
  if (!res.ok) throw await failure(res);
  return res;
}
