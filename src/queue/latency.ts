import type { LatencyStats } from './types.js';

/** A fixed-size ring of recent samples giving rolling p50/p99 and the last value. */
export class LatencyRing {
  private readonly samples: number[] = [];
  private next = 0;
  private last = 0;

  constructor(private readonly size = 256) {}

  add(ms: number): void {
    this.last = ms;
    if (this.samples.length < this.size) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.size;
  }

  snapshot(): LatencyStats {
    if (this.samples.length === 0) return { p50: 0, p99: 0, last: 0 };
    const sorted = [...this.samples].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
    return { p50: round(at(0.5)), p99: round(at(0.99)), last: round(this.last) };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
