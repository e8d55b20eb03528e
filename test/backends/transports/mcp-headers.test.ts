/** SEP-2243 headers the gateway sends upstream: Mcp-Param-* from x-mcp-header arguments, and Mcp-Method. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  bodyDerived,
  encodeHeaderValue,
  paramHeaders,
} from '../../../src/backends/transports/mcp-headers.js';

const SCHEMA = {
  type: 'object',
  properties: {
    region: { type: 'string', 'x-mcp-header': 'Region' },
    count: { type: 'integer', 'x-mcp-header': 'Count' },
    verbose: { type: 'boolean', 'x-mcp-header': 'Verbose' },
    plain: { type: 'string' },
    bad: { type: 'string', 'x-mcp-header': 'Has Space' },
  },
};

describe('paramHeaders', () => {
  it('mirrors annotated primitive arguments, leaves out null, absent, unannotated and invalid ones', () => {
    const headers = paramHeaders(SCHEMA, {
      region: 'eu-west',
      count: 3,
      verbose: null,
      plain: 'x',
      bad: 'y',
    });
    assert.deepEqual(headers, { 'mcp-param-Region': 'eu-west', 'mcp-param-Count': '3' });
    assert.deepEqual(paramHeaders(SCHEMA, { verbose: false }), { 'mcp-param-Verbose': 'false' });
  });

  it('base64-encodes values that are not safe header text', () => {
    for (const value of ['Zürich', ' lead', 'trail ', 'a\tb', 'a\r\nb', '']) {
      const encoded = encodeHeaderValue(value);
      assert.match(encoded, /^=\?base64\?.*\?=$/, JSON.stringify(value));
      assert.equal(Buffer.from(encoded.slice(9, -2), 'base64').toString('utf8'), value);
    }
    assert.equal(encodeHeaderValue('inner space ok'), 'inner space ok');
  });
});

describe('bodyDerived', () => {
  it('names the method on every request and notification, the version only when the body claims one', () => {
    const legacy = bodyDerived({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} } as never);
    assert.deepEqual(legacy, { headers: { 'mcp-method': 'initialize' }, modern: false });
    const note = bodyDerived({ jsonrpc: '2.0', method: 'notifications/initialized' } as never);
    assert.equal(note?.headers['mcp-method'], 'notifications/initialized');
    const modern = bodyDerived({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'echo', _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } },
    } as never);
    assert.deepEqual(modern, {
      headers: { 'mcp-method': 'tools/call', 'mcp-protocol-version': '2026-07-28', 'mcp-name': 'echo' },
      modern: true,
    });
  });
});
