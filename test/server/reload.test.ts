/** Hot reload of a running gateway from real file edits: load on untouched backends, drains, invalid edits, list_changed. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { descendants, isAlive } from '../../src/backends/supervision/process-tree.js';
import { loadConfig } from '../../src/config/load.js';
import { watchConfig } from '../../src/config/watch.js';
import { Gateway } from '../../src/gateway.js';
import { scrape } from '../helpers/metrics.js';
import {
  FIXTURE,
  connectClient,
  fixtureStdio,
  freePort,
  startGateway,
  startUpstream,
  stopProcess,
  text,
  waitFor,
} from '../helpers/gateway.js';

const cleanups: (() => Promise<void> | void)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Writes the file in place, or the way editors save (a temp file renamed over it). */
function rewrite(file: string, yaml: string, atomic = false): void {
  if (!atomic) return writeFileSync(file, yaml);
  writeFileSync(`${file}.tmp`, yaml);
  renameSync(`${file}.tmp`, file);
}

/** A gateway from YAML whose file is watched, as `switchboard serve` does. */
async function watchedGateway(yaml: string) {
  const started = await startGateway(yaml);
  const watcher = watchConfig(started.file, () => void started.gateway.reload(), { pollMs: 0 });
  cleanups.push(async () => {
    watcher.close();
    await started.gateway.close();
  });
  return started;
}

/** One session against an upstream, so its first-request start-up cost is not counted as reload latency. */
async function warmUp(url: URL): Promise<void> {
  const { client } = await connectClient(url);
  await client.listTools();
  await client.close();
}

type Reload = { last: string; count: number; problems?: string[]; error?: string };
const reloadOf = (g: Gateway) => g.readiness().reload as Reload | undefined;
const reloads = (g: Gateway) => reloadOf(g)?.count ?? 0;

async function toolNames(client: Awaited<ReturnType<typeof connectClient>>['client']): Promise<string[]> {
  return (await client.listTools()).tools.map((t) => t.name);
}

describe('hot reload under load', () => {
  it('20 edits adding, changing and removing B: A never fails and keeps serving, B follows each write', async (t) => {
    // B is a Streamable HTTP upstream (two running servers, so a URL change is a connection change). How fast
    // a write becomes visible is reported as a diagnostic, not asserted: speed belongs to benchmarks.
    const ports = [await freePort(), await freePort()];
    const servers = await Promise.all(
      ports.map((port) => startUpstream(['--import', 'tsx', FIXTURE, 'http'], port, { FIXTURE_NAME: 'b' })),
    );
    cleanups.push(() => Promise.all(servers.map((s) => stopProcess(s))).then(() => {}));
    for (const port of ports) await warmUp(new URL(`http://127.0.0.1:${port}/mcp`));
    const A = fixtureStdio('a');
    const { gateway, url, file } = await watchedGateway(`mcpServers:\n${A}`);
    const aPid = gateway.pool.get('a')!.pid;
    const clients = await Promise.all([1, 2, 3, 4].map(() => connectClient(url)));
    cleanups.push(() => Promise.all(clients.map((c) => c.client.close())).then(() => {}));
    const observer = clients[0]!.client;

    // Continuous load on A from every client.
    const load = { stop: false, ok: 0, failed: [] as string[] };
    const loops = clients.map(async ({ client }) => {
      while (!load.stop) {
        try {
          const r = await client.callTool({ name: 'a__add', arguments: { a: 2, b: 3 } });
          if (r.isError || text(r) !== '5') load.failed.push(text(r));
          else load.ok++;
        } catch (err) {
          load.failed.push(String(err));
        }
      }
    });
    cleanups.push(async () => {
      load.stop = true;
      await Promise.all(loops);
    });

    const latencies: Record<string, number[]> = { add: [], filter: [], replace: [], remove: [] };
    const B = (port: number, extra = '') =>
      `mcpServers:\n${A}httpServices:\n  b:\n    base_url: http://127.0.0.1:${port}/mcp\n${extra}`;
    const filtered = '    tools: { exclude: ["add"] }\n';
    const upstreamPid = async () =>
      (JSON.parse(text(await observer.callTool({ name: 'b__pid', arguments: {} }))) as { pid: number }).pid;
    let edits = 0;
    /** Writes, waits until the effect is visible and A has served calls meanwhile; then every client gets list_changed. */
    const edit = async (yaml: string, visible: () => Promise<boolean>, what: string, notify = true) => {
      const told = clients.map((c) => c.changed.tools);
      const served = load.ok;
      const start = Date.now();
      rewrite(file, yaml, edits++ % 2 === 1);
      await waitFor(visible, 10_000, `${what} (edit ${edits})`);
      const latency = Date.now() - start;
      await waitFor(() => load.ok > served, 10_000, `A serves calls across ${what}`);
      if (notify) {
        await waitFor(
          () => clients.every((c, i) => c.changed.tools > told[i]!),
          5000,
          `every client gets tools/list_changed after ${what}`,
        );
      }
      return latency;
    };
    const listed = async (name: string) => (await toolNames(observer)).includes(name);

    for (let cycle = 0; cycle < 5; cycle++) {
      latencies.add!.push(await edit(B(ports[0]!), () => listed('b__add'), 'B added'));
      const connected = gateway.pool.get('b');
      latencies.filter!.push(
        await edit(B(ports[0]!, filtered), async () => !(await listed('b__add')), 'B filter changed'),
      );
      assert.equal(gateway.pool.get('b'), connected, 'a filter change keeps the connection');
      assert.ok(await listed('b__pid'));
      // A connection change: the new connection takes over; the tools stay listed (no list_changed).
      latencies.replace!.push(
        await edit(
          B(ports[1]!, filtered),
          async () => (await upstreamPid()) === servers[1]!.pid,
          'B moved to the second server',
          false,
        ),
      );
      assert.ok(await listed('b__pid'), 'B stays listed while it is replaced');
      latencies.remove!.push(
        await edit(`mcpServers:\n${A}`, async () => !(await listed('b__pid')), 'B removed'),
      );
    }
    assert.equal(edits, 20);

    load.stop = true;
    await Promise.all(loops);
    assert.deepEqual(load.failed, [], 'no call on A failed');
    assert.equal(gateway.pool.get('a')!.pid, aPid, "A's child was never restarted");
    assert.equal(reloadOf(gateway)?.last, 'ok');
    assert.equal(reloads(gateway), 20);
    await gateway.pool.drained();
    t.diagnostic(`calls on A: ${load.ok}; write -> visible (ms): ${JSON.stringify(latencies)}`);
  });
});

describe('invalid edits', () => {
  it('bad YAML, a schema violation and an unset variable change nothing; a later valid edit applies', async () => {
    const yaml = `mcpServers:\n${fixtureStdio('a')}${fixtureStdio('b')}`;
    const { gateway, url, file } = await watchedGateway(yaml);
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    const pids = () => gateway.pool.all().map((b) => [b.name, b.pid]);
    const before = pids();
    const tools = await toolNames(client);

    const bad = [
      { yaml: `${yaml}  c: [unclosed\n`, problem: /external-mcp-servers\.yaml:\d+:\d+: YAML:/ },
      {
        yaml: yaml.replace('  b:\n', '  b:\n    comand: typo\n'),
        problem: /:\d+:\d+: .*unknown key "comand"/,
      },
      {
        yaml: yaml.replace('FIXTURE_NAME: b', 'FIXTURE_NAME: ${SWITCHBOARD_TEST_UNSET_VARIABLE}'),
        problem: /:\d+:\d+: .*SWITCHBOARD_TEST_UNSET_VARIABLE is not set/,
      },
    ];
    for (const [i, edit] of bad.entries()) {
      rewrite(file, edit.yaml, i % 2 === 0);
      await waitFor(() => reloads(gateway) === i + 1, 3000, `reload ${i + 1} attempted`);
      const status = reloadOf(gateway)!;
      assert.equal(status.last, 'failed');
      assert.ok(
        status.problems?.some((p) => edit.problem.test(p)),
        JSON.stringify(status.problems),
      );
      assert.deepEqual(pids(), before, 'same backends, same children');
      assert.deepEqual(await toolNames(client), tools);
    }
    const metrics = await scrape(gateway.url);
    assert.equal(metrics.value('switchboard_config_reload_total', { result: 'failed' }), 3);
    assert.equal(metrics.value('switchboard_config_last_reload_successful'), 0);

    const bPid = gateway.pool.get('b')!.pid!;
    rewrite(file, `mcpServers:\n${fixtureStdio('a')}`);
    await waitFor(() => reloadOf(gateway)?.last === 'ok', 3000, 'the valid edit applies');
    await waitFor(async () => !(await toolNames(client)).includes('b__add'), 1000, 'B gone');
    assert.equal(gateway.pool.get('a')!.pid, before[0]![1], 'A untouched');
    await waitFor(() => !isAlive(bPid), 5000, "B's child exits");
    const after = await scrape(gateway.url);
    assert.equal(after.value('switchboard_config_reload_total', { result: 'ok' }), 1);
    assert.equal(after.value('switchboard_config_last_reload_successful'), 1);
    const hash = (s: typeof metrics) =>
      s.series('switchboard_config_info').find((x) => x.value === 1)?.labels.hash;
    assert.match(hash(after) ?? '', /^[0-9a-f]{12}$/);
    assert.notEqual(hash(after), hash(metrics), 'the active config hash follows the applied reload');
    assert.equal(hash(after), gateway.config.hash?.slice(0, 12), 'the file hash /readyz and status show');
  });

  it('an emptied file is refused instead of removing every backend', async () => {
    const { gateway } = await watchedGateway(`mcpServers:\n${fixtureStdio('a')}`);
    writeFileSync(gateway.config.file, '# nothing here\n');
    const status = await gateway.reload();
    assert.equal(status.last, 'failed');
    assert.match(status.problems![0]!, /the file is empty/);
    assert.equal(gateway.pool.get('a')!.state, 'ready');
  });
});

describe('draining removed and replaced backends', () => {
  it('a call in flight on a removed backend completes; new calls no longer reach it', async () => {
    const { gateway, url, file } = await watchedGateway(
      `mcpServers:\n${fixtureStdio('a')}${fixtureStdio('b')}`,
    );
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    const bPid = gateway.pool.get('b')!.pid!;
    const call = client.callTool({ name: 'b__slow', arguments: { ms: 1500 } });
    await waitFor(() => gateway.pool.get('b')!.inFlight === 1, 2000, 'call in flight');

    rewrite(file, `mcpServers:\n${fixtureStdio('a')}`);
    await waitFor(() => reloads(gateway) === 1, 3000, 'reloaded');
    assert.deepEqual(
      (gateway.readiness().draining as { backend: string }[]).map((d) => d.backend),
      ['b'],
      '/readyz lists the draining backend',
    );
    assert.ok(isAlive(bPid), 'the child stays while its call runs');
    const removed = await client
      .callTool({ name: 'b__add', arguments: { a: 1, b: 1 } })
      .catch((e: Error) => e);
    assert.match(String(removed instanceof Error ? removed.message : text(removed)), /Unknown tool: b__add/);

    assert.equal(text(await call), 'slept 1500', 'the call in flight completed');
    await gateway.pool.drained();
    assert.equal(isAlive(bPid), false, 'then the child was terminated');
  });

  it('a replaced stdio backend: a call over the grace period fails with backend_removed; old tree gone', async () => {
    const grace = 'gateway:\n  reload_grace_period: 500ms\n';
    const b = (gen: string) => fixtureStdio('b', '', { FIXTURE_GRANDCHILD: '1', GEN: gen });
    const { gateway, url, file } = await watchedGateway(`${grace}mcpServers:\n${b('1')}`);
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    const old = JSON.parse(text(await client.callTool({ name: 'b__pid', arguments: {} }))) as {
      pid: number;
      grandchild: number;
    };
    const call = client.callTool({ name: 'b__slow', arguments: { ms: 30_000 } });
    await waitFor(() => gateway.pool.get('b')!.inFlight === 1, 2000, 'call in flight');

    rewrite(file, `${grace}mcpServers:\n${b('2')}`, true);
    await waitFor(() => gateway.pool.get('b')!.pid !== old.pid, 10_000, 'new calls go to the new child');
    const result = await call;
    assert.equal(result.isError, true);
    assert.match(
      text(result),
      /backend "b" was replaced by a config reload and tools\/call did not finish within the 500 ms grace period/,
    );
    assert.equal((result._meta?.['switchboard/error'] as { code: string }).code, 'backend_removed');

    await gateway.pool.drained();
    assert.equal(isAlive(old.pid), false, 'old child gone');
    assert.equal(isAlive(old.grandchild), false, "old child's descendant gone (no orphans)");
    const fresh = JSON.parse(text(await client.callTool({ name: 'b__pid', arguments: {} }))) as {
      pid: number;
      grandchild: number;
    };
    assert.ok(isAlive(fresh.pid) && isAlive(fresh.grandchild), 'the new tree runs');
    await gateway.close();
    assert.equal(isAlive(fresh.grandchild), false, 'and is terminated on shutdown');
  });
});

/** Live processes under this one started as fixture backend `name`, by their GEN environment value. */
function fixtureGens(name: string): string[] {
  return descendants(process.pid).flatMap((pid) => {
    try {
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      if (!isAlive(pid) || !env.includes(`FIXTURE_NAME=${name}`)) return [];
      const gen = env.find((e) => e.startsWith('GEN='))?.slice(4);
      return gen === undefined ? [] : [gen];
    } catch {
      return [];
    }
  });
}

describe('edits that overtake each other', () => {
  it('a successor replaced before it took over is stopped; only the last version keeps running', async () => {
    const yaml = (gen: string) => `mcpServers:\n${fixtureStdio('a')}${fixtureStdio('b', '', { GEN: gen })}`;
    const { gateway, file } = await startGateway(yaml('1'));
    cleanups.push(() => gateway.close());
    writeFileSync(file, yaml('2'));
    const first = gateway.reload();
    await new Promise((r) => setImmediate(r)); // the first reload has read version 2 and started its successor
    writeFileSync(file, yaml('3'));
    await Promise.all([first, gateway.reload()]);
    await gateway.pool.drained();
    await waitFor(
      () => fixtureGens('b').join() === '3',
      5000,
      `only version 3 of b runs (${fixtureGens('b').join()})`,
    );
    assert.equal(gateway.pool.get('b')!.state, 'ready');
  });
});

describe('what clients see', () => {
  it('one list_changed per reload, however many backends it adds', async () => {
    const { gateway, url, file } = await startGateway(`mcpServers:\n${fixtureStdio('a')}`);
    cleanups.push(() => gateway.close());
    const { client, changed } = await connectClient(url);
    cleanups.push(() => client.close());
    writeFileSync(file, `mcpServers:\n${fixtureStdio('a')}${fixtureStdio('b')}${fixtureStdio('c')}`);
    const status = await gateway.reload(); // resolves after the broadcast
    assert.equal(status.last, 'ok');
    await waitFor(
      async () => {
        const names = await toolNames(client);
        return names.includes('b__add') && names.includes('c__add');
      },
      10_000,
      'B and C listed',
    );
    await waitFor(() => changed.resources === 1, 5000, 'list_changed arrives');
    // A second reload is the fence: a session's notifications arrive in order (tools, prompts, resources per
    // reload), so once the second reload's resources/list_changed is here, any extra notification of the
    // first reload would have been counted.
    writeFileSync(file, `mcpServers:\n${fixtureStdio('a')}${fixtureStdio('b')}`);
    assert.equal((await gateway.reload()).last, 'ok');
    await waitFor(() => changed.resources === 2, 5000, "the second reload's list_changed arrives");
    assert.deepEqual(changed, { tools: 2, prompts: 2, resources: 2 });
  });

  it('live settings apply without touching children; listen settings wait for a restart', async () => {
    const yaml = (gw: string) => `gateway:\n${gw}mcpServers:\n${fixtureStdio('a')}`;
    const { gateway, url, file } = await startGateway(yaml('  separator: "__"\n'));
    cleanups.push(() => gateway.close());
    const { client } = await connectClient(url);
    cleanups.push(() => client.close());
    const pid = gateway.pool.get('a')!.pid;
    writeFileSync(
      file,
      yaml(
        '  separator: "-"\n  host: 0.0.0.0\n  max_body_bytes: 2048\n  allowed_origins: ["https://app.example"]\n',
      ),
    );
    assert.equal((await gateway.reload()).last, 'ok');
    assert.ok((await toolNames(client)).includes('a-add'), 'tools renamed with the new separator');
    assert.equal(gateway.pool.get('a')!.pid, pid, 'same child');
    assert.equal(gateway.url, url.href, 'still listening where it was');
    assert.equal(gateway.config.gateway.host, '127.0.0.1', 'host change needs a restart');
    assert.equal(gateway.config.gateway.maxBodyBytes, 4 * 1024 * 1024);
    const origin = await fetch(url, {
      method: 'POST',
      headers: { origin: 'https://app.example', 'content-type': 'application/json' },
      body: '{}',
    });
    assert.notEqual(origin.status, 403, 'the newly allowed origin is accepted');
  });

  it('a ConfigMap-style ..data symlink swap reloads the gateway', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-configmap-'));
    const version = (n: number, yaml: string) => {
      mkdirSync(join(dir, `..2026_0${n}`));
      writeFileSync(join(dir, `..2026_0${n}`, 'config.yaml'), yaml);
    };
    version(1, `mcpServers:\n${fixtureStdio('a')}`);
    symlinkSync('..2026_01', join(dir, '..data'));
    symlinkSync('..data/config.yaml', join(dir, 'config.yaml'));
    const options = { overrides: { port: 0, host: '127.0.0.1' } };
    const gateway = new Gateway(loadConfig(join(dir, 'config.yaml'), options), options);
    await gateway.start();
    const watcher = watchConfig(gateway.config.file, () => void gateway.reload(), { pollMs: 0 });
    cleanups.push(async () => {
      watcher.close();
      await gateway.close();
    });
    const { client } = await connectClient(new URL(gateway.url));
    cleanups.push(() => client.close());

    version(2, `mcpServers:\n${fixtureStdio('a')}${fixtureStdio('b')}`);
    symlinkSync('..2026_02', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    await waitFor(
      async () => (await toolNames(client)).includes('b__add'),
      20_000,
      'B from the new ConfigMap',
    );
    assert.equal(reloadOf(gateway)?.last, 'ok');
  });
});
