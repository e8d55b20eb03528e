/** Summarises a V8 .cpuprofile (from `node --cpu-prof`): the functions with the most self time. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

/** One function's share of the samples. */
export interface HotSpot {
  fn: string;
  where: string;
  selfMs: number;
  percent: number;
}

/** The `top` functions by self time in a profile file, grouped by name and location. */
export function hotSpots(file: string, top = 30, root = process.cwd()): HotSpot[] {
  const p = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
    samples: number[];
  };
  const totalHits = p.samples.length || 1;
  const msPerHit = (p.endTime - p.startTime) / 1000 / totalHits;
  const byKey = new Map<string, HotSpot>();
  for (const n of p.nodes) {
    const hits = n.hitCount ?? 0;
    if (!hits) continue;
    const url = n.callFrame.url.replace(/^file:\/\//, '');
    const where = url ? `${relative(root, url)}:${n.callFrame.lineNumber + 1}` : '(native)';
    const fn = n.callFrame.functionName || '(anonymous)';
    const key = `${fn}@${where}`;
    const h = byKey.get(key) ?? { fn, where, selfMs: 0, percent: 0 };
    h.selfMs += hits * msPerHit;
    h.percent += (hits * 100) / totalHits;
    byKey.set(key, h);
  }
  return [...byKey.values()]
    .sort((a, b) => b.selfMs - a.selfMs)
    .slice(0, top)
    .map((h) => ({ ...h, selfMs: Math.round(h.selfMs), percent: Number(h.percent.toFixed(1)) }));
}

/** Self time grouped by package (node_modules/<pkg>), project source, node internals and native code. */
export function byPackage(file: string): Record<string, number> {
  const p = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; samples: number[] };
  const total = p.samples.length || 1;
  const out: Record<string, number> = {};
  for (const n of p.nodes) {
    if (!n.hitCount) continue;
    const url = n.callFrame.url;
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    const key = m
      ? m[1]!
      : url.includes('/dist/')
        ? 'switchboard (dist)'
        : url.startsWith('node:')
          ? 'node internals'
          : n.callFrame.functionName || '(native)';
    out[key] = (out[key] ?? 0) + (n.hitCount * 100) / total;
  }
  return Object.fromEntries(
    Object.entries(out)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([k, v]) => [k, Number(v.toFixed(1))]),
  );
}
