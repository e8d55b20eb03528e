import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/** Where sealed grants live: per principal, a map of backend name to sealed grant, and a lock per slot. */
export interface Slots {
  get(principal: string, backend: string): Promise<string | undefined>;
  set(principal: string, backend: string, sealed: string): Promise<void>;
  delete(principal: string, backend: string): Promise<boolean>;
  all(principal: string): Promise<Record<string, string>>;
  /** How many principals hold a grant for a backend, read without scanning every principal's grants. */
  count(backend: string): Promise<number>;
  /** Runs `fn` holding the slot's lock: one holder at a time (cluster-wide for Redis). */
  locked<T>(principal: string, backend: string, fn: () => Promise<T>): Promise<T>;
}

/** Sealed grants in this process (no Redis configured): one holder of a slot's lock at a time. */
export class MemorySlots implements Slots {
  private readonly map = new Map<string, Map<string, string>>();
  private readonly locks = new Map<string, Promise<unknown>>();

  async get(principal: string, backend: string): Promise<string | undefined> {
    return this.map.get(principal)?.get(backend);
  }
  async set(principal: string, backend: string, sealed: string): Promise<void> {
    let m = this.map.get(principal);
    if (!m) this.map.set(principal, (m = new Map()));
    m.set(backend, sealed);
  }
  async delete(principal: string, backend: string): Promise<boolean> {
    return this.map.get(principal)?.delete(backend) ?? false;
  }
  async all(principal: string): Promise<Record<string, string>> {
    return Object.fromEntries(this.map.get(principal) ?? []);
  }
  async count(backend: string): Promise<number> {
    let n = 0;
    for (const grants of this.map.values()) if (grants.has(backend)) n++;
    return n;
  }
  locked<T>(principal: string, backend: string, fn: () => Promise<T>): Promise<T> {
    const key = `${principal}\n${backend}`;
    const run = (this.locks.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    void tail.then(() => this.locks.get(key) === tail && this.locks.delete(key));
    return run;
  }
}

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** The replies of a MULTI/EXEC; the first command's error is thrown (ioredis returns it instead). */
function applied(replies: [Error | null, unknown][] | null): unknown[] {
  if (!replies) throw new Error('a Redis transaction was aborted');
  const failed = replies.find(([err]) => err);
  if (failed) throw failed[0]!;
  return replies.map(([, value]) => value);
}

/** How long a refresh lock is held at most (a holder that died frees it then), and how long a waiter waits. */
export interface LockTiming {
  holdMs: number;
  waitMs: number;
  pollMs: number;
}

/**
 * Sealed grants in Redis, shared by every replica with the same prefix: a hash per principal
 * (`<prefix>:grants:<principal>`, field = backend), and a lock per slot (SET NX PX, released only by its holder).
 * A set per backend (`<prefix>:grant-holders:<backend>`) names the principals holding its grants, written in
 * the same transaction as the grant, so that counting them is one SCARD, not a scan of every principal's hash.
 */
export class RedisSlots implements Slots {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly timing: LockTiming = { holdMs: 30_000, waitMs: 15_000, pollMs: 50 },
  ) {}

  private key(principal: string): string {
    return `${this.prefix}:grants:${principal}`;
  }
  private holders(backend: string): string {
    return `${this.prefix}:grant-holders:${backend}`;
  }
  async get(principal: string, backend: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key(principal), backend)) ?? undefined;
  }
  async set(principal: string, backend: string, sealed: string): Promise<void> {
    applied(
      await this.redis
        .multi()
        .hset(this.key(principal), backend, sealed)
        .sadd(this.holders(backend), principal)
        .exec(),
    );
  }
  async delete(principal: string, backend: string): Promise<boolean> {
    const [removed] = applied(
      await this.redis
        .multi()
        .hdel(this.key(principal), backend)
        .srem(this.holders(backend), principal)
        .exec(),
    );
    return Number(removed) > 0;
  }
  async all(principal: string): Promise<Record<string, string>> {
    return this.redis.hgetall(this.key(principal));
  }
  count(backend: string): Promise<number> {
    return this.redis.scard(this.holders(backend));
  }
  async locked<T>(principal: string, backend: string, fn: () => Promise<T>): Promise<T> {
    const digest = createHash('sha256').update(`${principal}\n${backend}`).digest('hex');
    const lock = `${this.prefix}:grant-lock:${digest}`;
    const token = randomUUID();
    const deadline = Date.now() + this.timing.waitMs;
    while ((await this.redis.set(lock, token, 'PX', this.timing.holdMs, 'NX')) !== 'OK') {
      if (Date.now() > deadline)
        throw new Error(`another replica has been refreshing this grant for over ${this.timing.waitMs} ms`);
      await new Promise((r) => setTimeout(r, this.timing.pollMs));
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(RELEASE, 1, lock, token).catch(() => undefined);
    }
  }
}
