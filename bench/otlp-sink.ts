/** A local OTLP/HTTP trace receiver for the tracing-on targets: accepts every export, counts the spans. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running sink: its traces URL, the spans received so far, and stop. */
export interface OtlpSink {
  url: string;
  spans(): number;
  stop(): Promise<void>;
}

/** Starts the sink on a free loopback port; JSON exports (the http exporter's default) are counted. */
export async function startOtlpSink(): Promise<OtlpSink> {
  let spans = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[];
        };
        for (const r of body.resourceSpans ?? [])
          for (const s of r.scopeSpans ?? []) spans += s.spans?.length ?? 0;
      } catch {
        // Not JSON (a protobuf exporter): accepted, not counted.
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    spans: () => spans,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
