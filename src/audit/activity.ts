import type { AuditEvent } from './event.js';

/** The console's Activity charts: 15 minutes in buckets of 15 s. */
export const BUCKET_MS = 15_000;
const BUCKETS = 60;
/** Durations kept per backend and bucket for percentiles; beyond it, a uniform sample. */
const SAMPLES = 200;

interface Bucket {
  start: number;
  calls: number;
  errors: number;
  durations: number[];
}

/** One backend's series, oldest bucket first: calls per second, error ratio, p50 and p95 in ms (null: no calls). */
export interface BackendSeries {
  calls: number[];
  errorRate: (number | null)[];
  p50: (number | null)[];
  p95: (number | null)[];
}

/** What the console's Activity panel shows. */
export interface ActivityView {
  bucketMs: number;
  /** Bucket start times (epoch ms), oldest first. */
  times: number[];
  backends: Record<string, BackendSeries>;
  /** Open sessions by era and front (`2025/http`…), and 2026-07-28 requests in the window by front. */
  sessions: Record<string, number>;
  /** The newest event's id: the events list reloads when it changes. */
  latest?: string;
}

function percentile(sorted: number[], p: number): number | null {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * Per-backend call counts, errors and latencies of this replica over the last 15 minutes, and its open
 * sessions, fed by the audit recorder's events.
 */
export class Activity {
  private readonly byBackend = new Map<string, Bucket[]>();
  private readonly open = new Map<string, string>();
  private readonly modern = new Map<string, number[]>();
  private latest?: string;

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one audit event into account. */
  add(e: AuditEvent): void {
    this.latest = e.id;
    if (e.kind === 'session/open' && e.session)
      this.open.set(e.session, `${e.era ?? '2025'}/${e.front ?? 'http'}`);
    if (e.kind === 'session/close' && e.session) this.open.delete(e.session);
    if (e.era === '2026-07-28' && e.method) {
      const key = `2026-07-28/${e.front ?? 'http'}`;
      const times = this.modern.get(key) ?? [];
      times.push(Date.parse(e.time));
      this.modern.set(key, times);
    }
    if (e.kind !== 'tools/call' && e.kind !== 'policy/refused') return;
    if (!e.backend) return;
    const bucket = this.bucket(e.backend);
    bucket.calls++;
    if (e.outcome !== 'ok') bucket.errors++;
    if (e.duration_ms !== undefined) {
      if (bucket.durations.length < SAMPLES) bucket.durations.push(e.duration_ms);
      else {
        const i = Math.floor(Math.random() * bucket.calls);
        if (i < SAMPLES) bucket.durations[i] = e.duration_ms;
      }
    }
  }

  private bucket(backend: string): Bucket {
    const start = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    const list = this.byBackend.get(backend) ?? [];
    this.byBackend.set(backend, list);
    let last = list[list.length - 1];
    if (last?.start !== start) {
      last = { start, calls: 0, errors: 0, durations: [] };
      list.push(last);
      while (list.length && list[0]!.start <= start - BUCKETS * BUCKET_MS) list.shift();
    }
    return last;
  }

  /** The view over the last 15 minutes. */
  view(): ActivityView {
    const end = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    const times = Array.from({ length: BUCKETS }, (_, i) => end - (BUCKETS - 1 - i) * BUCKET_MS);
    const backends: Record<string, BackendSeries> = {};
    for (const [name, list] of this.byBackend) {
      const at = new Map(list.map((b) => [b.start, b]));
      const series: BackendSeries = { calls: [], errorRate: [], p50: [], p95: [] };
      for (const t of times) {
        const b = at.get(t);
        const sorted = b ? [...b.durations].sort((x, y) => x - y) : [];
        series.calls.push(b ? b.calls / (BUCKET_MS / 1000) : 0);
        series.errorRate.push(b?.calls ? b.errors / b.calls : null);
        series.p50.push(percentile(sorted, 0.5));
        series.p95.push(percentile(sorted, 0.95));
      }
      if (series.calls.some((c) => c > 0)) backends[name] = series;
      else this.byBackend.delete(name);
    }
    const sessions: Record<string, number> = {};
    for (const key of this.open.values()) sessions[key] = (sessions[key] ?? 0) + 1;
    const since = end - (BUCKETS - 1) * BUCKET_MS;
    for (const [key, list] of this.modern) {
      const kept = list.filter((t) => t >= since);
      if (kept.length) {
        this.modern.set(key, kept);
        sessions[key] = kept.length;
      } else this.modern.delete(key);
    }
    return {
      bucketMs: BUCKET_MS,
      times,
      backends,
      sessions,
      ...(this.latest ? { latest: this.latest } : {}),
    };
  }
}
