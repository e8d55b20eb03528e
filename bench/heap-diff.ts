/**
 * Compares V8 heap snapshots (`.heapsnapshot`, e.g. from bench/soak.ts): objects counted and sized by
 * constructor (node type and name), and what grew from the first snapshot to the last.
 * `tsx bench/heap-diff.ts a.heapsnapshot b.heapsnapshot [c.heapsnapshot …] [--top 30]`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: (string[] | string)[] } };
  nodes: number[];
  strings: string[];
}

/** Count and self size per "type:name" of one snapshot. */
function tally(file: string): Map<string, { count: number; bytes: number }> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0] as string[];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i + typeAt]!]!;
    // Strings and numbers are grouped by type only: their "names" are their values.
    const name =
      type === 'string' || type === 'concatenated string' || type === 'sliced string' || type === 'number'
        ? ''
        : snap.strings[snap.nodes[i + nameAt]!]!.slice(0, 80);
    const key = `${type}:${name}`;
    const t = out.get(key) ?? { count: 0, bytes: 0 };
    t.count++;
    t.bytes += snap.nodes[i + sizeAt]!;
    out.set(key, t);
  }
  return out;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' } },
});
const tallies = positionals.map((f) => ({ file: f, t: tally(f) }));
const total = (t: Map<string, { count: number; bytes: number }>) =>
  [...t.values()].reduce((a, v) => ({ count: a.count + v.count, bytes: a.bytes + v.bytes }), {
    count: 0,
    bytes: 0,
  });
for (const { file, t } of tallies) {
  const s = total(t);
  console.log(`${file}: ${s.count} objects, ${(s.bytes / 1e6).toFixed(2)} MB`);
}
const first = tallies[0]!.t;
const last = tallies.at(-1)!.t;
const keys = new Set([...first.keys(), ...last.keys()]);
const rows = [...keys].map((k) => {
  const a = first.get(k) ?? { count: 0, bytes: 0 };
  const b = last.get(k) ?? { count: 0, bytes: 0 };
  return {
    key: k,
    counts: tallies.map(({ t }) => t.get(k)?.count ?? 0),
    dCount: b.count - a.count,
    dBytes: b.bytes - a.bytes,
  };
});
const top = Number(values.top);
console.log(`\nlargest growth in bytes (first -> last):`);
for (const r of rows.sort((x, y) => y.dBytes - x.dBytes).slice(0, top))
  console.log(
    `${String(r.dBytes).padStart(10)} B ${String(r.dCount).padStart(8)} objs  counts ${r.counts.join(' -> ')}  ${r.key}`,
  );
console.log(`\nlargest growth in count (first -> last):`);
for (const r of rows.sort((x, y) => y.dCount - x.dCount).slice(0, top))
  console.log(
    `${String(r.dCount).padStart(8)} objs ${String(r.dBytes).padStart(10)} B  counts ${r.counts.join(' -> ')}  ${r.key}`,
  );
