import type { CallToolResult, Client, Progress } from '@modelcontextprotocol/client';
import type { Response } from 'express';
import { fromError, fromToolError, sendProblem, type Problem } from './problem.js';

/** The longest a timer may wait: the gateway's own request_timeout, not the in-process client, ends a call. */
const NO_CLIENT_TIMEOUT_MS = 2 ** 31 - 1;
/** How often an event stream sends a comment, so proxies do not close a quiet long call. */
const KEEPALIVE_MS = 15_000;

/** One REST tool call. */
export interface CallOptions {
  name: string;
  args: Record<string, unknown>;
  /** Answer as `text/event-stream` with progress events. */
  stream: boolean;
}

/**
 * Calls a tool through a session client and answers the REST request: the result as JSON, or (stream) an
 * event stream of `progress` events then `result` or `error`. Gateway-side failures (backend down, timeout,
 * queue full) become problems; a tool's own `isError` result is a 200 like any result. A caller that hangs
 * up cancels the call (the session sends notifications/cancelled, the gateway cancels upstream).
 */
export async function callTool(client: Client, res: Response, opts: CallOptions): Promise<void> {
  const abort = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) abort.abort(new Error('the REST caller went away'));
  });
  const request = { name: opts.name, arguments: opts.args };
  const base = { signal: abort.signal, timeout: NO_CLIENT_TIMEOUT_MS };
  if (!opts.stream) {
    const result = (await client.callTool(request, base)) as CallToolResult;
    const p = fromToolError(result);
    if (p) return sendProblem(res, p);
    res.json(result);
    return;
  }

  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream');
  res.setHeader('Cache-Control', 'no-cache');
  res.flushHeaders();
  const event = (name: string, data: unknown) =>
    res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  const keepalive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  const onprogress = (p: Progress) => {
    const { progress, total, message } = p;
    event('progress', {
      progress,
      ...(total !== undefined && { total }),
      ...(message !== undefined && { message }),
    });
  };
  try {
    const result = (await client.callTool(request, { ...base, onprogress })) as CallToolResult;
    const p = fromToolError(result);
    if (p) event('error', p);
    else event('result', result);
  } catch (err) {
    event('error', fromError(err) satisfies Problem);
  } finally {
    clearInterval(keepalive);
    res.end();
  }
}
