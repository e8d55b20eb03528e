/** Raw HTTP helpers for tests of the /mcp endpoint's HTTP behaviour (fetch cannot set the Host header). */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/server';

/** An initialize request body for raw HTTP tests. */
export const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: {
    protocolVersion: LATEST_PROTOCOL_VERSION,
    capabilities: {},
    clientInfo: { name: 'raw', version: '1' },
  },
};

/** A raw HTTP request (fetch cannot set the Host header). */
export function raw(
  url: URL,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method, headers: { accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let data = '';
        res.on('data', (d: Buffer) => (data += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON content-type header. */
export const json = { 'content-type': 'application/json' };

/** Initializes a 2025 session over raw HTTP and returns its id. */
export async function initialize(url: URL): Promise<string> {
  const res = await raw(url, 'POST', json, JSON.stringify(INIT));
  assert.equal(res.status, 200, res.body);
  return res.headers['mcp-session-id'] as string;
}
