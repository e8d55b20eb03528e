import { transpileBench, stopProcess, runJsonChild } from '/work/main/bench/processes.ts';
import { benchBackendYaml, startGateway, gatewayCli, startUpstream } from '/work/main/bench/targets.ts';
transpileBench();
gatewayCli.main = process.argv[2]!;
const kind = (process.argv[4] ?? 'http') as 'http' | 'sse';
const up = await startUpstream(kind);
const gw = await startGateway(benchBackendYaml(kind, up.base), {
  nodeArgs: ['--cpu-prof', '--cpu-prof-dir', process.argv[3]!],
});
const r = await runJsonChild<{
  callsPerSec: number;
  mainCpuMsPerCall: number;
  serverCpuMsPerCall: number;
  calls: number;
}>(
  'load',
  [
    '--url',
    gw.url,
    '-c',
    '16',
    '--warmup',
    '1',
    '--duration',
    '8',
    '--json',
    '--pid',
    String(gw.pid),
    '--pid',
    String(up.pid),
  ],
  120_000,
);
console.log(
  kind,
  r.callsPerSec,
  'calls/s gateway',
  r.mainCpuMsPerCall,
  'ms/call; tree',
  r.serverCpuMsPerCall,
);
await stopProcess(gw.child);
await stopProcess(up.child);
