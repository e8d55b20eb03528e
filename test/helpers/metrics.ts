/** Reads /metrics: checked with a Prometheus text-format parser, then looked up sample by sample. */
import parsePrometheus from 'parse-prometheus-text-format';

/** A scraped /metrics page. */
export interface Scrape {
  /** Metric families as the parser read them (name, help, type). */
  families: { name: string; help: string; type: string }[];
  /** The value of one sample (e.g. `x_count` of a histogram), its labels a superset of `labels`; 0 when absent. */
  value(name: string, labels?: Record<string, string>): number;
  /** Every sample of a name, with its labels. */
  series(name: string): { labels: Record<string, string>; value: number }[];
  text: string;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * GETs /metrics and parses it. The parser (parse-prometheus-text-format) validates every line and reads the
 * families; it merges the label sets of a histogram into one, so single samples are read from the lines.
 */
export async function scrape(base: URL | string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(new URL('/metrics', base), { headers });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${await res.text()}`);
  const text = await res.text();
  const families = parsePrometheus(text);
  const samples = text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const m = SAMPLE.exec(l);
      if (!m) throw new Error(`not a sample line: ${l}`);
      const labels = Object.fromEntries([...(m[2] ?? '').matchAll(LABEL)].map((x) => [x[1]!, x[2]!]));
      return { name: m[1]!, labels, value: Number(m[3]) };
    });
  return {
    families,
    text,
    series: (name) => samples.filter((s) => s.name === name),
    value(name, labels = {}) {
      const hit = samples.filter(
        (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
      );
      return hit.reduce((sum, s) => sum + s.value, 0);
    },
  };
}
