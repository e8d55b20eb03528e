/**
 * The floor: the least any gateway can cost, as a bench target. Not a product and not a peer: a reference
 * measured in the same run, so a ratio goal can be judged against what one extra process hop costs at all.
 * `node floor.js http --upstream http://127.0.0.1:PORT`: a byte-for-byte HTTP forwarder (node:http in,
 * a keep-alive node:http agent out, bodies and SSE streams piped, nothing parsed).
 * `node floor.js stdio -- CMD ARGS…`: Streamable HTTP (JSON answers) in front of one shared stdio child; each
 * message parsed once, its id rewritten to a unique one and back, the first `initialize` answer reused for
 * every later session; nothing validated, no notifications relayed, no policy, no telemetry.
 * Prints `bench-floor listening on http://127.0.0.1:PORT` on stderr once ready. Self-contained (no local imports).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';

const [mode, ...rest] = process.argv.slice(2);

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): void {
  const server = createServer(handler);
  server.keepAliveTimeout = 65_000;
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.stderr.write(`bench-floor listening on http://127.0.0.1:${port}\n`);
  });
}

function forwarder(upstream: URL): void {
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  listen((req, res) => {
    const headers = { ...req.headers, host: upstream.host };
    const out = request(
      { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers, agent },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
}

type Message = { jsonrpc: '2.0'; id?: string | number; method?: string; result?: unknown };

function stdioFront(command: string, args: string[]): void {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = new Map<number, { res: ServerResponse; id: string | number; init: boolean }>();
  let next = 1;
  let initResult: unknown;
  let initialized = false;
  const answer = (res: ServerResponse, body: unknown, session?: string) => {
    const text = JSON.stringify(body);
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...(session && { 'mcp-session-id': session }),
    });
    res.end(text);
  };
  createInterface({ input: child.stdout }).on('line', (line) => {
    const m = JSON.parse(line) as Message;
    if (m.method !== undefined || typeof m.id !== 'number') return;
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (w.init) initResult = m.result;
    m.id = w.id;
    answer(w.res, m, w.init ? randomUUID() : undefined);
  });
  listen((req, res) => {
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    if (req.method !== 'POST') return void res.writeHead(405).end();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const m = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Message;
      if (m.id === undefined || m.method === undefined) {
        const first = m.method === 'notifications/initialized' && !initialized;
        if (first) initialized = true;
        if (first || (m.method !== undefined && m.method !== 'notifications/initialized'))
          child.stdin.write(`${JSON.stringify(m)}\n`);
        return void res.writeHead(202).end();
      }
      const init = m.method === 'initialize';
      if (init && initResult !== undefined)
        return answer(res, { jsonrpc: '2.0', id: m.id, result: initResult }, randomUUID());
      const id = next++;
      waiting.set(id, { res, id: m.id, init });
      m.id = id;
      child.stdin.write(`${JSON.stringify(m)}\n`);
    });
  });
  process.on('SIGTERM', () => {
    child.kill();
    process.exit(0);
  });
}

if (mode === 'http' && rest[0] === '--upstream' && rest[1]) forwarder(new URL(rest[1]));
else if (mode === 'stdio' && rest[0] === '--' && rest[1]) stdioFront(rest[1], rest.slice(2));
else {
  process.stderr.write('usage: floor.js http --upstream URL | floor.js stdio -- CMD ARGS...\n');
  process.exit(2);
}
