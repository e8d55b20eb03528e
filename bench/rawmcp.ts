/**
 * A bare Streamable HTTP MCP client on node:http, for loads where 10,000 SDK clients would make the load
 * generator the bottleneck: initialize, open the GET event stream, and JSON-RPC requests answered as JSON or SSE.
 */
import http, { type Agent, type IncomingMessage } from 'node:http';

const PROTOCOL = '2025-06-18';

/** A reply to one POST: HTTP status, session id header and the JSON-RPC message (from JSON or the first SSE event). */
export interface RawReply {
  status: number;
  sessionId?: string;
  message?: { result?: unknown; error?: { message: string } };
  bytes: number;
  /** From sending the request to the reply's last byte, before parsing it (ms). */
  ms: number;
}

function headers(sessionId?: string): Record<string, string> {
  const h: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
  };
  if (sessionId) {
    h['mcp-session-id'] = sessionId;
    h['mcp-protocol-version'] = PROTOCOL;
  }
  return h;
}

function parseBody(text: string): RawReply['message'] {
  if (text.startsWith('{')) return JSON.parse(text) as RawReply['message'];
  for (const line of text.split('\n')) {
    if (line.startsWith('data: ')) return JSON.parse(line.slice(6)) as RawReply['message'];
  }
  return undefined;
}

/** POSTs one JSON-RPC message and reads the whole reply (bounded by timeoutMs). */
export function post(
  url: URL,
  agent: Agent,
  body: unknown,
  sessionId?: string,
  timeoutMs = 30_000,
): Promise<RawReply> {
  const payload = JSON.stringify(body);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: headers(sessionId) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const ms = performance.now() - start;
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({
            status: res.statusCode ?? 0,
            sessionId: res.headers['mcp-session-id'] as string | undefined,
            message: text ? parseBody(text) : undefined,
            bytes: text.length,
            ms,
          });
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Initializes a session (initialize + notifications/initialized) and returns its id. */
export async function initialize(url: URL, agent: Agent, timeoutMs = 30_000): Promise<string> {
  const init = await post(
    url,
    agent,
    {
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: PROTOCOL,
        capabilities: {},
        clientInfo: { name: 'bench-raw', version: '1.0.0' },
      },
    },
    undefined,
    timeoutMs,
  );
  if (init.status !== 200 || !init.sessionId) throw new Error(`initialize: HTTP ${init.status}`);
  const done = await post(
    url,
    agent,
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    init.sessionId,
  );
  if (done.status !== 202) throw new Error(`notifications/initialized: HTTP ${done.status}`);
  return init.sessionId;
}

/** Opens the session's standalone GET event stream; resolves with the open response once headers arrive. */
export function openStream(
  url: URL,
  agent: Agent,
  sessionId: string,
  timeoutMs = 30_000,
): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'GET', agent, headers: { accept: 'text/event-stream', ...headers(sessionId) } },
      (res) => {
        req.setTimeout(0);
        if (res.statusCode !== 200) {
          res.resume();
          return reject(new Error(`GET stream: HTTP ${res.statusCode}`));
        }
        res.on('data', () => {});
        resolve(res);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`GET stream not open within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** Calls `echo` and checks the reply; returns the latency in ms. */
export async function echo(
  url: URL,
  agent: Agent,
  sessionId: string,
  id: number,
  text: string,
): Promise<number> {
  const start = performance.now();
  const r = await post(
    url,
    agent,
    { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { text } } },
    sessionId,
  );
  const got = (r.message?.result as { content?: { text?: string }[] } | undefined)?.content?.[0]?.text;
  if (r.status !== 200 || got !== text) {
    throw new Error(
      `echo: HTTP ${r.status} ${r.message?.error?.message ?? JSON.stringify(r.message).slice(0, 200)}`,
    );
  }
  return performance.now() - start;
}

/** Sends `ping` on a session (used to open keep-alive connections before a timed burst). */
export async function ping(url: URL, agent: Agent, sessionId: string, id: number): Promise<void> {
  const r = await post(url, agent, { jsonrpc: '2.0', id, method: 'ping' }, sessionId);
  if (r.status !== 200) throw new Error(`ping: HTTP ${r.status}`);
}
