/**
 * An upstream that speaks both revisions (the conformance fixture: sessionful 2025, per-request 2026) behind the
 * gateway, which negotiates 2026-07-28 with it: a 2025 client's requests go over the upstream's own 2025 side,
 * so a tool that asks the client mid-call in 2025 does so through the gateway too; 2026 clients keep 2026.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Gateway } from '../../../src/gateway.js';
import { freePort, ROOT, startGateway, startUpstream, stopProcess, text } from '../../helpers/gateway.js';

const FIXTURE = join(ROOT, 'test/conformance/fixture-server.ts');

describe('a dual-era upstream', () => {
  let upstream: ChildProcess;
  let gateway: Gateway;
  let url: URL;
  before(async () => {
    const port = await freePort();
    upstream = await startUpstream(['--import', 'tsx', FIXTURE], port);
    ({ gateway, url } = await startGateway(
      `httpServices:\n  both:\n    base_url: http://127.0.0.1:${port}/mcp\n    prefix: false\n`,
    ));
  });
  after(async () => {
    await gateway?.close();
    if (upstream) await stopProcess(upstream);
  });

  it('is reached in 2026-07-28', () => {
    const up = gateway.readiness().backends as Record<string, { protocol?: string }>;
    assert.equal(up.both?.protocol, '2026-07-28');
  });

  it("serves a 2025 client's call over the upstream's 2025 side, sampling request included", async () => {
    const client = new Client({ name: 'legacy', version: '1.0.0' }, { capabilities: { sampling: {} } });
    let asked = 0;
    client.setRequestHandler('sampling/createMessage', () => {
      asked++;
      return { role: 'assistant', model: 'test', content: { type: 'text', text: 'sampled' } };
    });
    await client.connect(new StreamableHTTPClientTransport(url));
    const result = await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } });
    assert.equal(asked, 1);
    assert.match(text(result), /sampled/);
    await client.close();
  });

  it('takes a 2026 retry whose answers come without a requestState to the tool that asked', async () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': { elicitation: {} },
    };
    const name = 'test_input_required_result_elicitation';
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/call',
        'mcp-name': name,
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 3,
        method: 'tools/call',
        params: {
          name,
          arguments: {},
          inputResponses: { user_name: { action: 'accept', content: { name: 'Alice' } } },
          _meta: meta,
        },
      }),
    });
    const body = await res.text();
    const answer = JSON.parse(
      body
        .split('\n')
        .find((l) => l.startsWith('data:'))
        ?.slice(5) ?? body,
    ) as {
      result?: { resultType?: string; content?: { text?: string }[] };
    };
    assert.equal(answer.result?.resultType, 'complete', body);
    assert.equal(answer.result?.content?.[0]?.text, 'Hello, Alice!');
  });
});
