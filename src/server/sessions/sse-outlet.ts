import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/server';

/** Seconds-scale keep-alive comments on open SSE streams (the SDK's default interval). */
export const KEEP_ALIVE_MS = 15_000;

/**
 * A POST stream's headers wait this long for the first message, so a quick answer leaves in one write with
 * its headers (and a Content-Length); after it they are sent alone, so the client's fetch resolves.
 */
const HEADERS_WAIT_MS = 50;

/** Where a session transport's messages for one HTTP exchange go. */
export interface Outlet {
  /** False once the client went away or the outlet ended. */
  readonly open: boolean;
  /** Writes one message as an SSE event; `last` = nothing follows, the exchange ends with it. */
  write(message: JSONRPCMessage, last: boolean): void;
  /** Ends the exchange. */
  end(): void;
}

const SSE_HEADERS: Record<string, string> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-accel-buffering': 'no',
};

/** The headers of a plain JSON answer: the stream's session id, none of its stream headers. */
function jsonHeaders(sse: Record<string, string | number>): Record<string, string | number> {
  const sid = sse['mcp-session-id'];
  return sid === undefined
    ? { 'content-type': 'application/json' }
    : { 'content-type': 'application/json', 'mcp-session-id': sid };
}

function event(message: JSONRPCMessage): string {
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

/**
 * An SSE response on a Node `ServerResponse`, written with Node's own streams (no web-stream conversion).
 * `immediate` sends the headers at once (a GET stream); otherwise they wait for the first message, briefly.
 */
export class SseOutlet implements Outlet {
  private timer?: NodeJS.Timeout;
  private ended = false;
  /** Written with the status line in one call (cheaper than one setHeader each). */
  private readonly headers: Record<string, string | number>;

  constructor(
    private readonly res: ServerResponse,
    sessionId: string | undefined,
    immediate: boolean,
    onClose?: () => void,
    /** The client accepts a plain JSON answer: one that is ready before anything else is written goes as JSON. */
    private readonly json = false,
  ) {
    this.headers =
      sessionId === undefined ? { ...SSE_HEADERS } : { ...SSE_HEADERS, 'mcp-session-id': sessionId };
    res.once('close', () => {
      this.stop();
      onClose?.();
    });
    if (immediate) this.flush();
    else this.timer = setTimeout(() => this.flush(), HEADERS_WAIT_MS).unref();
  }

  get open(): boolean {
    return !this.ended && !this.res.destroyed && !this.res.writableEnded;
  }

  write(message: JSONRPCMessage, last: boolean): void {
    if (!this.open) return;
    if (last && !this.res.headersSent) {
      this.stop();
      this.ended = true;
      const text = this.json ? JSON.stringify(message) : event(message);
      const headers = this.json ? jsonHeaders(this.headers) : this.headers;
      headers['content-length'] = Buffer.byteLength(text);
      this.res.writeHead(200, headers).end(text);
      return;
    }
    const text = event(message);
    if (!this.res.headersSent) this.res.writeHead(200, this.headers);
    this.res.write(text);
    if (last) this.end();
  }

  end(): void {
    this.stop();
    if (this.ended) return;
    this.ended = true;
    if (this.res.writableEnded) return;
    if (!this.res.headersSent) this.res.writeHead(200, this.headers);
    this.res.end();
  }

  /** Sends the headers now and keeps the stream alive with comments from then on. */
  private flush(): void {
    this.timer = undefined;
    if (!this.open) return;
    // An early message may have sent the headers already; then only the keep-alive starts here.
    if (!this.res.headersSent) this.res.writeHead(200, this.headers).flushHeaders();
    this.timer = setInterval(() => {
      if (this.open) this.res.write(': keepalive\n\n');
    }, KEEP_ALIVE_MS).unref();
  }

  private stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/** An outlet that keeps what is written (replaying a session's initialize discards the answers). */
export class CollectingOutlet implements Outlet {
  readonly messages: JSONRPCMessage[] = [];
  private ended = false;
  readonly done: Promise<void>;
  private resolve!: () => void;

  constructor() {
    this.done = new Promise((resolve) => (this.resolve = resolve));
  }

  get open(): boolean {
    return !this.ended;
  }

  write(message: JSONRPCMessage, last: boolean): void {
    this.messages.push(message);
    if (last) this.end();
  }

  end(): void {
    this.ended = true;
    this.resolve();
  }
}
