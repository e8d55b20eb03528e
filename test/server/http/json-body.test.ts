/** jsonBody answers every body exactly as express.json does: the two side by side over real HTTP. */
import assert from 'node:assert/strict';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { jsonBody } from '../../../src/server/http/json-body.js';

const LIMIT = 64;

/** An app that echoes the parsed body, or the error's status, type and message. */
function app(parser: RequestHandler): express.Express {
  const a = express();
  a.post('/', parser, (req, res) => void res.json({ body: req.body as unknown }));
  a.use(
    (err: Error & { type?: string; status?: number }, _req: Request, res: Response, _next: NextFunction) => {
      res.status(err.status ?? 500).json({ type: err.type, message: err.message });
    },
  );
  return a;
}

function post(port: number, headers: Record<string, string>, body: Buffer | string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      let data = '';
      res.on('data', (d: Buffer) => (data += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('jsonBody', () => {
  const servers: Server[] = [];
  let lean = 0;
  let reference = 0;
  before(async () => {
    for (const parser of [jsonBody(LIMIT), express.json({ limit: LIMIT, type: () => true })]) {
      const server = app(parser).listen(0, '127.0.0.1');
      await new Promise((r) => server.once('listening', r));
      servers.push(server);
    }
    [lean, reference] = servers.map((s) => (s.address() as AddressInfo).port) as [number, number];
  });
  after(() => servers.forEach((s) => s.close()));

  const json = { 'content-type': 'application/json' };
  const cases: [string, Record<string, string>, Buffer | string][] = [
    ['an object', json, '{"jsonrpc":"2.0","id":1,"method":"ping"}'],
    ['an array', json, '[1,2]'],
    ['leading whitespace', json, '  \n {"a":1}'],
    ['a byte-order mark', json, '\ufeff{"a":1}'],
    ['an empty body', json, ''],
    ['whitespace only', json, '   '],
    ['a string at the top level', json, '"text"'],
    ['a number after whitespace', json, '  42'],
    ['invalid JSON', json, '{"a":'],
    ['trailing garbage', json, '{"a":1} x'],
    ['no content-type', {}, '{"a":1}'],
    ['a text content-type', { 'content-type': 'text/plain' }, '{"a":1}'],
    ['utf-8 charset', { 'content-type': 'application/json; charset=UTF-8' }, '{"é":"ü"}'],
    ['a latin1 charset', { 'content-type': 'application/json; charset=latin1' }, '{"a":1}'],
    [
      'a utf-16 charset',
      { 'content-type': 'application/json; charset=utf-16le' },
      Buffer.from('{"a":1}', 'utf16le'),
    ],
    ['over the limit', json, `{"a":"${'x'.repeat(LIMIT)}"}`],
    ['exactly the limit', json, `{"a":"${'x'.repeat(LIMIT - 8)}"}`],
    ['gzip', { ...json, 'content-encoding': 'gzip' }, gzipSync('{"a":1}')],
    ['an unknown encoding', { ...json, 'content-encoding': 'rot13' }, '{"a":1}'],
    ['multi-byte text', json, '{"name":"日本語のツール"}'],
  ];
  for (const [name, headers, body] of cases) {
    it(`answers ${name} as express.json does`, async () => {
      const [mine, theirs] = await Promise.all([post(lean, headers, body), post(reference, headers, body)]);
      assert.deepEqual(mine, theirs);
    });
  }

  it('answers a chunked body (no Content-Length) as express.json does', async () => {
    const send = (port: number) =>
      new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: json }, (res) => {
          let data = '';
          res.on('data', (d: Buffer) => (data += d.toString()));
          res.on('end', () => resolve(`${res.statusCode} ${data}`));
        });
        req.on('error', reject);
        req.write('{"a":');
        req.end('1}');
      });
    assert.equal(await send(lean), await send(reference));
  });
});
