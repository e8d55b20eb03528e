import type { Redis } from 'ioredis';

/** Short-lived single-use records of connect flows (pages opened, authorizations under way), by random id. */
export interface ConnectRecords {
  put(kind: string, id: string, value: unknown, ttlMs: number): Promise<void>;
  /** The record, left in place (a page shown again). */
  peek<T>(kind: string, id: string): Promise<T | undefined>;
  /** The record, removed: a second take of the same id finds nothing (single use, on every replica). */
  take<T>(kind: string, id: string): Promise<T | undefined>;
}

/** Records in this process (no Redis configured). */
export class MemoryRecords implements ConnectRecords {
  private readonly map = new Map<string, { value: unknown; until: number }>();

  async put(kind: string, id: string, value: unknown, ttlMs: number): Promise<void> {
    const now = Date.now();
    for (const [k, v] of this.map) if (v.until <= now) this.map.delete(k);
    this.map.set(`${kind}:${id}`, { value, until: now + ttlMs });
  }
  async peek<T>(kind: string, id: string): Promise<T | undefined> {
    const entry = this.map.get(`${kind}:${id}`);
    return entry && entry.until > Date.now() ? (entry.value as T) : undefined;
  }
  async take<T>(kind: string, id: string): Promise<T | undefined> {
    // Read and delete in one turn: two takes of one id cannot both see it.
    const entry = this.map.get(`${kind}:${id}`);
    this.map.delete(`${kind}:${id}`);
    return entry && entry.until > Date.now() ? (entry.value as T) : undefined;
  }
}

/** Records in Redis (`<prefix>:connect:<kind>:<id>`, expiring), so any replica can finish a flow another began. */
export class RedisRecords implements ConnectRecords {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(kind: string, id: string): string {
    return `${this.prefix}:connect:${kind}:${id}`;
  }
  async put(kind: string, id: string, value: unknown, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(kind, id), JSON.stringify(value), 'PX', ttlMs);
  }
  async peek<T>(kind: string, id: string): Promise<T | undefined> {
    const text = await this.redis.get(this.key(kind, id));
    return text === null ? undefined : (JSON.parse(text) as T);
  }
  async take<T>(kind: string, id: string): Promise<T | undefined> {
    const [got] = (await this.redis.multi().get(this.key(kind, id)).del(this.key(kind, id)).exec()) ?? [];
    const text = got?.[1];
    return typeof text === 'string' ? (JSON.parse(text) as T) : undefined;
  }
}
