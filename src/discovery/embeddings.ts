import { createHash } from 'node:crypto';

/** Where embeddings come from: an OpenAI-compatible API (`POST <url>/embeddings`). */
export interface EmbeddingsConfig {
  url: string;
  model: string;
  apiKey?: string;
}

/** Anything that turns texts into unit-length vectors: the HTTP client, or a local model. */
export interface Embedder {
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
  /** Number of requests sent to a remote endpoint (0 for a local model). */
  readonly requests: number;
}

/** Texts per request; OpenAI accepts up to 2048, local servers often far fewer. */
const BATCH = 64;
const TIMEOUT_MS = 15_000;
/** Bound on cached vectors (tools plus recent queries). */
const CACHE_MAX = 50_000;

/** Fetches unit-length embedding vectors, batched, and caches them by a hash of model and text. */
export class EmbeddingClient implements Embedder {
  readonly #cache = new Map<string, Float32Array>();
  readonly #endpoint: string;
  /** Number of HTTP requests sent (for tests and the eval). */
  requests = 0;

  constructor(readonly config: EmbeddingsConfig) {
    const base = config.url.replace(/\/+$/, '');
    this.#endpoint = base.endsWith('/embeddings') ? base : `${base}/embeddings`;
  }

  /** Vectors for the texts, in order; only texts not cached are sent. Throws on any failure. */
  async embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    const keys = texts.map((t) => this.#key(t));
    const found = new Map<string, Float32Array>();
    const missing = new Map<string, string>();
    keys.forEach((k, i) => {
      const cached = this.#cache.get(k);
      if (cached) found.set(k, cached);
      else missing.set(k, texts[i] as string);
    });
    const todo = [...missing];
    for (let i = 0; i < todo.length; i += BATCH) {
      const batch = todo.slice(i, i + BATCH);
      const vectors = await this.#post(
        batch.map(([, text]) => text),
        signal,
      );
      batch.forEach(([key], j) => {
        found.set(key, vectors[j] as Float32Array);
        this.#remember(key, vectors[j] as Float32Array);
      });
    }
    return keys.map((k) => found.get(k) as Float32Array);
  }

  async #post(input: string[], signal?: AbortSignal): Promise<Float32Array[]> {
    this.requests++;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.config.apiKey) headers.authorization = `Bearer ${this.config.apiKey}`;
    const timeout = AbortSignal.timeout(TIMEOUT_MS);
    const res = await fetch(this.#endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model: this.config.model, input }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
    if (!res.ok) throw new Error(`${this.#endpoint} answered HTTP ${res.status}`);
    const body = (await res.json()) as { data?: { embedding?: unknown; index?: number }[] };
    const data = body.data;
    if (!Array.isArray(data) || data.length !== input.length)
      throw new Error(
        `${this.#endpoint} returned ${Array.isArray(data) ? data.length : 'no'} embeddings for ${input.length} inputs`,
      );
    const out: Float32Array[] = [];
    data.forEach((d, i) => {
      const e = d.embedding;
      if (!Array.isArray(e) || !e.length || !e.every((x) => typeof x === 'number'))
        throw new Error(`${this.#endpoint} returned a malformed embedding`);
      out[typeof d.index === 'number' ? d.index : i] = unit(e as number[]);
    });
    if (out.filter(Boolean).length !== input.length)
      throw new Error(`${this.#endpoint} returned bad indexes`);
    return out;
  }

  #key(text: string): string {
    return createHash('sha256').update(`${this.config.model}\u0000${text}`).digest('base64');
  }

  #remember(key: string, vector: Float32Array): void {
    this.#cache.set(key, vector);
    if (this.#cache.size > CACHE_MAX) this.#cache.delete(this.#cache.keys().next().value as string);
  }
}

/** Scales a vector to length 1, so a dot product is the cosine. */
function unit(values: number[]): Float32Array {
  const v = Float32Array.from(values);
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / norm;
  return v;
}

/** Cosine of two unit vectors (0 when dimensions differ). */
export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += (a[i] as number) * (b[i] as number);
  return dot;
}
