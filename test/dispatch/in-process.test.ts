/**
 * Dispatch and the registry in one process: upstreams are SDK servers linked to the gateway by the SDK's
 * InMemoryTransport through the injectable transport factory, so no child process or upstream port is involved.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InMemoryTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { loadConfig } from '../../src/config/load.js';
import { Gateway } from '../../src/gateway.js';
import type { TransportFactory } from '../../src/backends/transports/factory.js';
import { connectClient, text, writeConfig } from '../helpers/gateway.js';

/** An upstream named `name` with an `echo` tool that says who answered, and a tool of its own. */
function upstream(name: string): McpServer {
  const server = new McpServer({ name, version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes a message', inputSchema: z.object({ message: z.string() }) },
    ({ message }) => ({ content: [{ type: 'text', text: `${name}: ${message}` }] }),
  );
  server.registerTool(`only_${name}`, { description: `A tool only ${name} has` }, () => ({
    content: [{ type: 'text', text: name }],
  }));
  return server;
}

describe('in-process gateway (injected transports)', () => {
  let gateway: Gateway;
  let url: URL;
  const connections: string[] = [];
  before(async () => {
    const transports: TransportFactory = (spec) => {
      const [client, server] = InMemoryTransport.createLinkedPair();
      connections.push(spec.name);
      void upstream(spec.name).connect(server);
      return { transport: client, pid: () => null };
    };
    // The commands are never run: every connection goes to an in-process server.
    const file = writeConfig(
      [
        'mcpServers:',
        '  alpha:',
        '    command: /nonexistent/alpha',
        '  beta:',
        '    command: /nonexistent/beta',
        '    prefix: false',
        '  gamma:',
        '    command: /nonexistent/gamma',
        '    prefix: false',
      ].join('\n'),
    );
    const options = { overrides: { port: 0, host: '127.0.0.1' } };
    gateway = new Gateway(loadConfig(file, options), options, { transports });
    await gateway.start();
    await gateway.pool.settled();
    url = new URL(gateway.url);
  });
  after(() => gateway.close());

  it('connects every backend through the injected factory', () => {
    assert.deepEqual([...connections].sort(), ['alpha', 'beta', 'gamma']);
    for (const name of ['alpha', 'beta', 'gamma']) assert.equal(gateway.pool.get(name)?.state, 'ready');
  });

  it('routes each exposed name to its backend under its upstream name', async () => {
    const { client } = await connectClient(url);
    try {
      const names = (await client.listTools()).tools.map((t) => t.name).sort();
      assert.ok(names.includes('alpha__echo'), names.join());
      assert.ok(names.includes('only_beta') && names.includes('only_gamma'), names.join());
      const viaAlpha = await client.callTool({ name: 'alpha__echo', arguments: { message: 'hi' } });
      assert.equal(text(viaAlpha), 'alpha: hi');
      const viaGamma = await client.callTool({ name: 'only_gamma', arguments: {} });
      assert.equal(text(viaGamma), 'gamma');
    } finally {
      await client.close();
    }
  });

  it('reports the unprefixed collision and keeps both tools callable', async () => {
    const collisions = gateway.readiness().collisions as string[];
    assert.deepEqual(collisions.length, 1, JSON.stringify(collisions));
    const [message] = collisions;
    assert.match(
      message!,
      /^tool "echo" of backend "gamma" maps to "echo", already used by "echo" of backend "beta"/,
    );
    const renamed = /exposed as "([^"]+)"$/.exec(message!)![1]!;
    const { client } = await connectClient(url);
    try {
      assert.equal(text(await client.callTool({ name: 'echo', arguments: { message: 'x' } })), 'beta: x');
      const viaRenamed = await client.callTool({ name: renamed, arguments: { message: 'y' } });
      assert.equal(text(viaRenamed), 'gamma: y');
    } finally {
      await client.close();
    }
  });

  // Last: it stops a backend for good.
  it("answers a stopped backend's prefixed name with that backend's state, not unknown tool", async () => {
    await gateway.pool.get('alpha')!.stop();
    const { client } = await connectClient(url);
    try {
      const down = await client.callTool({ name: 'alpha__echo', arguments: { message: 'x' } });
      assert.equal(down.isError, true);
      assert.match(text(down), /backend "alpha" is stopped; tool "alpha__echo" is unavailable/);
      await assert.rejects(
        client.callTool({ name: 'delta__echo', arguments: { message: 'x' } }),
        /Unknown tool: delta__echo/,
      );
      assert.equal(text(await client.callTool({ name: 'only_beta', arguments: {} })), 'beta');
    } finally {
      await client.close();
    }
  });
});
