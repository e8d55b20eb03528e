import { transpileBench, stopProcess, runJsonChild } from '/work/main/bench/processes.ts';
import { benchBackendYaml, startGateway, gatewayCli, startUpstream } from '/work/main/bench/targets.ts';
import { processTree, rssBytes } from '/work/main/bench/proc.ts';
transpileBench();
gatewayCli.main = process.argv[2]!;
const c = process.argv[3] ?? '64';
const direct = process.argv[4] === 'direct';
const srv = direct ? await startUpstream('http') : await startGateway(benchBackendYaml('stdio'));
const url = direct ? `${(srv as { base: string }).base}/mcp` : (srv as { url: string }).url;
const peak = new Map<number, number>();
const t = setInterval(() => {
  for (const pid of processTree([srv.pid])) peak.set(pid, Math.max(peak.get(pid) ?? 0, rssBytes(pid)));
}, 200);
const r = await runJsonChild<{ callsPerSec: number }>(
  'load',
  ['--url', url, '-c', c, '--warmup', '1', '--duration', '6', '--json', '--pid', String(srv.pid)],
  120_000,
);
clearInterval(t);
console.log(
  direct ? 'direct' : 'gateway',
  'C',
  c,
  r.callsPerSec,
  'calls/s',
  [...peak].map(([p, v]) => `${p}: ${(v / 2 ** 20).toFixed(0)} MB`).join(', '),
);
await stopProcess(srv.child);
