import { setMaxListeners } from 'node:events';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { transpileBench, stopProcess } from '/work/main/bench/processes.ts';
import { startUpstream, upstreamCommand } from '/work/main/bench/targets.ts';
import { cpuMs } from '/work/main/bench/proc.ts';
transpileBench();
const up = await startUpstream('http');
const raised = new WeakSet<AbortSignal>();
const mode = process.argv[2] ?? 'zero';
const f = (url: string | URL, init?: RequestInit) => { const s = init?.signal; if (s && mode !== 'none' && !raised.has(s)) { setMaxListeners(mode === 'zero' ? 0 : Infinity, s); raised.add(s); } return fetch(url, init); };
async function run(kind: string, c: number, seconds: number) {
  const [command, ...args] = upstreamCommand('stdio');
  const transport = kind === 'http' ? new StreamableHTTPClientTransport(new URL(`${up.base}/mcp`), { fetch: f }) : new StdioClientTransport({ command: command!, args });
  const client = new Client({ name: 'x', version: '1' });
  await client.connect(transport);
  const pid = kind === 'http' ? up.pid : (transport as StdioClientTransport).pid!;
  for (let i = 0; i < 300; i++) await client.request({ method: 'tools/call', params: { name: 'echo', arguments: { text: 'w' } } }, CallToolResultSchema);
  const c0 = process.cpuUsage(); const k0 = cpuMs(pid); const t0 = performance.now(); let n = 0; const end = t0 + seconds * 1000;
  await Promise.all(Array.from({ length: c }, async () => { while (performance.now() < end) { await client.request({ method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }, CallToolResultSchema); n++; } }));
  const cpu = process.cpuUsage(c0); const server = cpuMs(pid) - k0; const s = (performance.now() - t0) / 1000;
  await client.close();
  return `${kind.padEnd(5)} ${mode} C=${c} ${(n / s).toFixed(0)} calls/s client-side ${((cpu.user + cpu.system) / 1000 / n * 1000).toFixed(0)} us/call upstream ${(server / n * 1000).toFixed(0)} us/call`;
}
for (const c of [1, 16, 64]) for (const k of ['stdio', 'http']) console.log(await run(k, c, 3));
await stopProcess(up.child);
