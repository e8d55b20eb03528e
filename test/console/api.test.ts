/** The console's API (/v1/backends, /v1/events, /v1/config) and its page, against a gateway with real upstreams. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { buildConsole } from '../../scripts/build-console.js';
import { fixtureStdio, startGateway } from '../helpers/gateway.js';

const OPS = 'ops-key-0123456789';
const DEV = 'dev-key-0123456789';
const SECRET = 'sup3r-s3cret-value-42';

const yaml = (extra = '') => `gateway:
  auth:
    api_keys:
      - { name: ops, key: "${OPS}", operator: true }
      - { name: dev, key: "${DEV}" }
    policies:
      - name: ops
        match: { key: ops }
      - name: dev
        match: { key: dev }
        allow: { backends: [alpha] }
${extra}mcpServers:
${fixtureStdio('alpha', '', { API_TOKEN: SECRET })}${fixtureStdio('beta')}`;

/** Reads server-sent events from a response until `until` says stop; returns them in order. */
async function readEvents(
  res: Response,
  until: (events: { event: string; data: unknown }[]) => boolean,
): Promise<{ event: string; data: unknown }[]> {
  const events: { event: string; data: unknown }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let i: number;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

describe('console API', () => {
  let gateway: Gateway;
  let base: string;
  let file: string;
  const get = (path: string, key?: string) =>
    fetch(`${base}${path}`, {
      headers: key ? { 'X-API-Key': key } : {},
      redirect: 'manual',
      // An event stream that never shows what a test waits for fails the test instead of hanging it.
      signal: AbortSignal.timeout(30_000),
    });

  before(async () => {
    await buildConsole();
    ({ gateway, file } = await startGateway(yaml()));
    base = new URL(gateway.url).origin;
  });
  after(async () => {
    await gateway?.close();
  });

  it('refuses every data endpoint without a key, but serves the (data-free) page', async () => {
    for (const path of ['/v1/backends', '/v1/events', '/v1/config']) {
      const res = await get(path);
      assert.equal(res.status, 401, path);
      assert.match(res.headers.get('content-type') ?? '', /application\/problem\+json/);
      assert.equal(((await res.json()) as { code: string }).code, 'unauthenticated');
    }
    const page = await get('/');
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const html = await page.text();
    assert.match(html, /<script type="module" src="app.js">/);
    assert.doesNotMatch(html, /alpha|beta/);
    const js = await get('/app.js');
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
  });

  it('lists the backends a principal may see, with state, transport, protocol and tool count', async () => {
    const ops = (await (await get('/v1/backends', OPS)).json()) as { backends: Record<string, unknown>[] };
    assert.deepEqual(
      ops.backends.map((b) => b.name),
      ['alpha', 'beta'],
    );
    const alpha = ops.backends[0]!;
    assert.equal(alpha.state, 'ready');
    assert.equal(alpha.transport, 'stdio');
    assert.equal(typeof (alpha.protocol as { version: string }).version, 'string');
    assert.ok((alpha.tools as number) > 3);
    assert.equal(typeof alpha.uptimeMs, 'number');
    assert.equal(alpha.reconnects, 0);
    const dev = (await (await get('/v1/backends', DEV)).json()) as { backends: Record<string, unknown>[] };
    assert.deepEqual(
      dev.backends.map((b) => b.name),
      ['alpha'],
    );
  });

  it('shows the config only to operators, with secrets redacted and the hash /readyz shows', async () => {
    const refused = await get('/v1/config', DEV);
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { detail: string }).detail, /switchboard:operator/);
    const post = await fetch(`${base}/v1/backends`, { method: 'POST', headers: { 'X-API-Key': OPS } });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET');
    const res = await get('/v1/config', OPS);
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes(SECRET), 'a backend env secret is not shown');
    assert.ok(!text.includes(OPS) && !text.includes(DEV), 'API keys are not shown');
    const body = JSON.parse(text) as {
      hash: string;
      sha256: string;
      file: string;
      config: { mcpServers: Record<string, { env?: unknown }> };
    };
    assert.equal(body.file, file);
    const readyz = (await (await get('/readyz', OPS)).json()) as { configHash?: string };
    assert.equal(body.sha256, readyz.configHash);
    assert.equal(body.hash, readyz.configHash?.slice(0, 12));
    assert.equal((body.config.mcpServers.alpha!.env as Record<string, string>).API_TOKEN, '[redacted]');
  });

  it('pushes backend changes and reload results on /v1/events, filtered by policy', async () => {
    const dev = await get('/v1/events', DEV);
    assert.equal(dev.status, 200);
    assert.match(dev.headers.get('content-type') ?? '', /text\/event-stream/);
    const first = await readEvents(dev, (e) => e.some((x) => x.event === 'backends'));
    const rows = (first.find((x) => x.event === 'backends')!.data as { backends: { name: string }[] })
      .backends;
    assert.deepEqual(
      rows.map((r) => r.name),
      ['alpha'],
    );
    assert.ok(!first.some((x) => x.event === 'config'), 'a client is not sent config events');

    // An operator's stream sees a backend go away on reload, and the reload's result.
    const ops = await get('/v1/events', OPS);
    const gone = readEvents(
      ops,
      (e) =>
        e.some(
          (x) =>
            x.event === 'backends' &&
            (x.data as { backends: { name: string }[] }).backends.every((b) => b.name !== 'beta'),
        ) && e.some((x) => x.event === 'config' && (x.data as { reload?: unknown }).reload),
    );
    writeFileSync(file, yaml().replace(/ {2}beta:[\s\S]*$/, ''));
    const status = await gateway.reload();
    assert.equal(status.last, 'ok');
    const events = await gone;
    const config = events.filter((x) => x.event === 'config').at(-1)!.data as { reload: { last: string } };
    assert.equal(config.reload.last, 'ok');
  });

  it('shows a refused reload and its problems in /v1/config', async () => {
    writeFileSync(file, `${yaml()}bogus_setting: 1\n`);
    const status = await gateway.reload();
    assert.equal(status.last, 'failed');
    const body = (await (await get('/v1/config', OPS)).json()) as {
      reload: { last: string; problems?: string[] };
    };
    assert.equal(body.reload.last, 'failed');
    assert.ok(
      (body.reload.problems ?? []).some((p) => /bogus_setting/.test(p)),
      JSON.stringify(body.reload),
    );
  });
});

describe('console path and switch', () => {
  it('serves the page at gateway.console.path (redirecting to the trailing slash) and not at /', async () => {
    await buildConsole();
    const { gateway } = await startGateway(
      `gateway:\n  console: { path: /console }\nmcpServers:\n${fixtureStdio('alpha')}`,
    );
    try {
      const base = new URL(gateway.url).origin;
      const bare = await fetch(`${base}/console`, { redirect: 'manual' });
      assert.equal(bare.status, 308);
      assert.equal(bare.headers.get('location'), '/console/');
      assert.equal((await fetch(`${base}/console/`)).status, 200);
      assert.equal((await fetch(`${base}/console/app.css`)).status, 200);
      assert.equal((await fetch(`${base}/`)).status, 404);
    } finally {
      await gateway.close();
    }
  });

  it('serves no page when disabled, while /v1/backends still answers', async () => {
    const { gateway } = await startGateway(
      `gateway:\n  console: { enabled: false }\nmcpServers:\n${fixtureStdio('alpha')}`,
    );
    try {
      const base = new URL(gateway.url).origin;
      assert.equal((await fetch(`${base}/`)).status, 404);
      const rows = (await (await fetch(`${base}/v1/backends`)).json()) as { backends: unknown[] };
      assert.equal(rows.backends.length, 1);
    } finally {
      await gateway.close();
    }
  });
});

describe('console events: single-session queues', () => {
  it('pushes a queue filling up and draining, which no catalog change announces', async () => {
    const { gateway } = await startGateway(`mcpServers:\n${fixtureStdio('q', '    single_session: true\n')}`);
    try {
      const base = new URL(gateway.url).origin;
      const events = await fetch(`${base}/v1/events`, { signal: AbortSignal.timeout(30_000) });
      type Row = { name: string; queue?: { depth: number; running: number } };
      const queueOf = (e: { data: unknown }) => (e.data as { backends: Row[] }).backends[0]?.queue;
      const seen = readEvents(events, (e) => {
        const queues = e.filter((x) => x.event === 'backends').map(queueOf);
        const full = queues.findIndex((q) => q?.depth === 1 && q.running === 1);
        return full >= 0 && queues.slice(full).some((q) => q?.depth === 0 && q.running === 0);
      });
      const call = () =>
        fetch(`${base}/v1/tools/q__slow/call`, { method: 'POST', body: JSON.stringify({ ms: 1500 }) });
      const answers = await Promise.all([call(), call()]);
      assert.deepEqual(
        answers.map((a) => a.status),
        [200, 200],
      );
      const queues = (await seen).filter((x) => x.event === 'backends').map(queueOf);
      assert.deepEqual(queues[0], { mode: 'memory', depth: 0, running: 0, owner: true });
    } finally {
      await gateway.close();
    }
  });
});
