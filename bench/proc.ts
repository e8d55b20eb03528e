/** Process-tree measurements from Linux /proc: RSS (sampled, peak kept) and CPU time (utime + stime). */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100;

function readStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The given pids and all their live descendants. */
export function processTree(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return roots;
  }
  for (const entry of entries) {
    if (entry.charCodeAt(0) < 48 || entry.charCodeAt(0) > 57) continue;
    const fields = readStat(Number(entry));
    if (!fields) continue;
    const ppid = Number(fields[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const out = [...roots];
  for (let i = 0; i < out.length && i < 100_000; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** Resident set size of one process in bytes (0 if gone). */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** CPU time (user + system) of one process in milliseconds (0 if gone). */
export function cpuMs(pid: number): number {
  const f = readStat(pid);
  if (!f) return 0;
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
}

/** CPU time per pid, for deltas over a window. */
export type CpuSnapshot = Map<number, number>;

/** Samples the RSS of a process tree periodically, keeping the peak, and snapshots its CPU time. */
export class TreeSampler {
  private pids: number[] = [];
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  /** Highest summed RSS seen, in bytes. */
  peak = 0;
  /** Summed RSS at the last sample, in bytes. */
  last = 0;
  /** Highest RSS of the first root process alone (e.g. the gateway without its children), in bytes. */
  mainPeak = 0;

  constructor(
    private readonly roots: number[],
    private readonly intervalMs = 250,
  ) {}

  /** Takes one sample now (rescanning the tree every fourth sample). */
  sample(): number {
    if (this.ticks++ % 4 === 0 || this.pids.length === 0) this.pids = processTree(this.roots);
    let sum = 0;
    for (const pid of this.pids) {
      const rss = rssBytes(pid);
      sum += rss;
      if (pid === this.roots[0] && rss > this.mainPeak) this.mainPeak = rss;
    }
    this.last = sum;
    if (sum > this.peak) this.peak = sum;
    return sum;
  }

  /** Starts periodic sampling. */
  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
    return this;
  }

  /** Stops periodic sampling after one last sample. */
  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  /** CPU time of every process in the tree now. */
  cpu(): CpuSnapshot {
    this.pids = processTree(this.roots);
    return new Map(this.pids.map((pid) => [pid, cpuMs(pid)]));
  }
}

/** CPU milliseconds spent between two snapshots (processes born in between count from zero). */
export function cpuDelta(before: CpuSnapshot, after: CpuSnapshot): number {
  let sum = 0;
  for (const [pid, ms] of after) sum += ms - (before.get(pid) ?? 0);
  return sum;
}

/** The soft limit on open file descriptors of this process (Infinity when unlimited or unknown). */
export function openFileLimit(): number {
  try {
    const m = /Max open files\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : Infinity;
  } catch {
    return Infinity;
  }
}
