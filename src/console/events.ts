import type { Response } from 'express';

/** How often an idle event stream gets a comment line, so proxies and browsers keep it open. */
const HEARTBEAT_MS = 15_000;

/** One open GET /v1/events stream: what it last sent per event, so only changes are pushed. */
export interface EventStream {
  /** Sends `event: <name>` with the JSON of `data` when `key` (default: that JSON) differs from the last one sent. */
  send(name: string, data: unknown, key?: string): void;
  close(): void;
}

/** Opens a server-sent event stream on a response; `onClose` runs once, when either side ends it. */
export function openEventStream(res: Response, onClose: () => void): EventStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write(': switchboard console events\n\n');
  const last = new Map<string, string>();
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    onClose();
    res.end();
  };
  res.on('close', close);
  return {
    send(name, data, key) {
      if (closed) return;
      const json = JSON.stringify(data);
      const k = key ?? json;
      if (last.get(name) === k) return;
      last.set(name, k);
      res.write(`event: ${name}\ndata: ${json}\n\n`);
    },
    close,
  };
}
