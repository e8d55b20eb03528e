import { join } from 'node:path';
import {
  transpileBench,
  stopProcess,
  runJsonChild,
  startProcess,
  BUILD,
} from '/work/main/bench/processes.ts';
import { benchBackendYaml, startGateway, gatewayCli } from '/work/main/bench/targets.ts';
transpileBench();
gatewayCli.main = process.argv[2]!;
const dir = process.argv[3]!;
const prof = ['--cpu-prof', '--cpu-prof-dir', dir];
const up = await startProcess(
  process.execPath,
  [...prof, join(BUILD, 'upstream.js'), 'http'],
  /listening on (http:\/\/\S+)/,
);
const gw = await startGateway(benchBackendYaml('stdio'), { nodeArgs: prof });
for (const [name, url, pid] of [
  ['direct', `${up.match[1]}/mcp`, up.pid],
  ['gateway', gw.url, gw.pid],
] as const) {
  const r = await runJsonChild<{ callsPerSec: number; mainCpuMsPerCall: number; calls: number }>(
    'load',
    ['--url', url, '-c', '16', '--warmup', '1', '--duration', '8', '--json', '--pid', String(pid)],
    120_000,
  );
  console.log(name, r.callsPerSec, 'calls/s', r.mainCpuMsPerCall, 'ms main CPU/call', r.calls, 'calls');
}
await stopProcess(gw.child);
await stopProcess(up.child);
