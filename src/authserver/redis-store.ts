import type { Redis } from 'ioredis';
import { commandClient } from '../redis/connections.js';
import type { AuthStore, StoredRecord } from './store.js';

/** Marks a record consumed unless it is gone (-1) or already consumed (0): the once-only check, in one step. */
const CONSUME = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('HSETNX', KEYS[1], 'c', ARGV[1])`;

/** Adds a set member and extends the set's life to at least ARGV[2] ms (0 = forever). */
const ADD_MEMBER = `
redis.call('SADD', KEYS[1], ARGV[1])
local ttl = tonumber(ARGV[2])
if ttl == 0 then redis.call('PERSIST', KEYS[1]) return 1 end
local left = redis.call('PTTL', KEYS[1])
if left < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1`;

/**
 * Sign-in state in Redis, shared by every replica: a record is a hash (`p` its payload, `c` when consumed) under
 * `<prefix>:signin:<key>`, a set a Redis set; both expire with their TTL.
 */
export class RedisStore implements AuthStore {
  private readonly redis: Redis;

  constructor(
    url: string,
    private readonly prefix: string,
  ) {
    this.redis = commandClient(url, 2000, 'switchboard-signin');
    // Errors surface on the commands that fail (no offline queue); the connection retries by itself.
    this.redis.on('error', () => undefined);
  }

  private k(key: string): string {
    return `${this.prefix}:signin:${key}`;
  }

  async get(key: string): Promise<StoredRecord | undefined> {
    const h = await this.redis.hgetall(this.k(key));
    if (h.p === undefined) return undefined;
    return { payload: h.p, ...(h.c !== undefined && { consumed: Number(h.c) }) };
  }

  async set(key: string, payload: string, ttlMs?: number): Promise<void> {
    const m = this.redis.multi().del(this.k(key)).hset(this.k(key), 'p', payload);
    if (ttlMs !== undefined) m.pexpire(this.k(key), Math.max(1, Math.ceil(ttlMs)));
    await m.exec();
  }

  async consume(key: string, at: number): Promise<boolean> {
    return (await this.redis.eval(CONSUME, 1, this.k(key), String(at))) === 1;
  }

  async delete(...keys: string[]): Promise<void> {
    if (keys.length) await this.redis.del(...keys.map((k) => this.k(k)));
  }

  async addMember(set: string, member: string, ttlMs?: number): Promise<void> {
    await this.redis.eval(
      ADD_MEMBER,
      1,
      this.k(set),
      member,
      String(ttlMs === undefined ? 0 : Math.ceil(ttlMs)),
    );
  }

  async removeMember(set: string, member: string): Promise<void> {
    await this.redis.srem(this.k(set), member);
  }

  async members(set: string): Promise<string[]> {
    return this.redis.smembers(this.k(set));
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}
