/** The OpenTelemetry logs sink: events exported with OTLP/HTTP to a real receiver; a failed export is counted. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { fixtureStdio, freePort, startGateway, waitFor } from '../helpers/gateway.js';
import { ALICE, clientWith, KEYS } from './helpers.js';

interface Attribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number; doubleValue?: number };
}
interface LogRecord {
  eventName?: string;
  severityText?: string;
  attributes: Attribute[];
}
interface LogsRequest {
  resourceLogs: { resource: { attributes: Attribute[] }; scopeLogs: { logRecords: LogRecord[] }[] }[];
}

describe('OpenTelemetry logs sink', () => {
  let receiver: Server;
  const received: LogsRequest[] = [];
  let gateway: Gateway;
  let url: URL;
  let broken: Gateway;
  let brokenUrl: URL;

  before(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        if (req.url === '/v1/logs') received.push(JSON.parse(body) as LogsRequest);
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const port = (receiver.address() as AddressInfo).port;
    const yaml = (endpoint: string) => `gateway:
  audit:
    sinks:
      - { type: otel, endpoint: "${endpoint}" }
  auth:
${KEYS}mcpServers:
${fixtureStdio('fx')}`;
    ({ gateway, url } = await startGateway(yaml(`http://127.0.0.1:${port}/v1/logs`)));
    ({ gateway: broken, url: brokenUrl } = await startGateway(
      yaml(`http://127.0.0.1:${await freePort()}/v1/logs`),
    ));
  });
  after(async () => {
    await gateway?.close();
    await broken?.close();
    receiver?.close();
  });

  const attr = (r: LogRecord, key: string) => {
    const v = r.attributes.find((a) => a.key === key)?.value;
    return v?.stringValue ?? v?.intValue ?? v?.doubleValue;
  };

  it('exports each event as a log record with its fields as attributes', async () => {
    const client = await clientWith(url, ALICE);
    await client.callTool({ name: 'fx__add', arguments: { a: 1, b: 2 } });
    await client.end();
    // Batched: the gateway's close flushes what is left.
    await gateway.close();
    const records = received.flatMap((r) =>
      r.resourceLogs.flatMap((l) => l.scopeLogs.flatMap((s) => s.logRecords)),
    );
    const call = records.find((r) => attr(r, 'switchboard.audit.kind') === 'tools/call');
    assert.ok(call, `a tools/call record among ${records.length}`);
    assert.equal(call.eventName, 'switchboard.audit.tools/call');
    assert.equal(call.severityText, 'INFO');
    assert.equal(attr(call, 'switchboard.audit.target'), 'fx__add');
    assert.equal(attr(call, 'switchboard.audit.principal.kind'), 'api_key');
    assert.equal(attr(call, 'switchboard.audit.principal.id'), 'alice');
    assert.ok(records.some((r) => attr(r, 'switchboard.audit.kind') === 'session/open'));
    const resource = received[0]!.resourceLogs[0]!.resource.attributes;
    assert.equal(resource.find((a) => a.key === 'service.name')?.value.stringValue, 'switchboard');
  });

  it('counts the records of a failed export as dropped, and the call is served', async () => {
    const client = await clientWith(brokenUrl, ALICE);
    const r = await client.callTool({ name: 'fx__add', arguments: { a: 2, b: 2 } });
    assert.deepEqual(r.structuredContent, { sum: 4 });
    await client.end();
    // The batch processor exports on its schedule (about every second by default) and retries before giving up.
    await waitFor(() => broken.audit.droppedCount('otel') >= 2, 30_000, 'otel drops counted');
  });
});
