/** Helpers for the REST API tests: JSON requests and event streams over real HTTP. */

/** A REST answer: status, headers and the parsed JSON body (undefined when the body is not JSON). */
export interface RestAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { [k: string]: unknown };
}

/** Sends a request to the gateway's REST API; `body` is sent as JSON when given. */
export async function rest(
  base: URL,
  method: string,
  path: string,
  opts: { headers?: Record<string, string>; body?: unknown; raw?: string } = {},
): Promise<RestAnswer> {
  const headers: Record<string, string> = { ...opts.headers };
  let payload: string | undefined = opts.raw;
  if (opts.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    payload = JSON.stringify(opts.body);
  }
  const res = await fetch(new URL(path, base), { method, headers, body: payload });
  const text = await res.text();
  let body: RestAnswer['body'];
  try {
    body = JSON.parse(text) as RestAnswer['body'];
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body };
}

/** One server-sent event. */
export interface SseEvent {
  event: string;
  data: unknown;
}

/** POSTs with `Accept: text/event-stream` and collects the events until the stream ends. */
export async function restEvents(
  base: URL,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; contentType: string | null; events: SseEvent[] }> {
  const res = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { ...headers, accept: 'text/event-stream', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l && !l.startsWith(':'));
    if (!lines.length) continue;
    const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
    const data = lines
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6))
      .join('\n');
    events.push({ event, data: JSON.parse(data) as unknown });
  }
  return { status: res.status, contentType: res.headers.get('content-type'), events };
}

/** The text of a tool result's first content item. */
export function firstText(result: unknown): string {
  const content = (result as { content?: { type: string; text?: string }[] }).content ?? [];
  return content[0]?.text ?? '';
}
