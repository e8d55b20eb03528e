import type { Redis } from 'ioredis';
import type { RateLimitSettings } from '../../config/model.js';
import { log } from '../../log.js';

/** A rate limiter's answer: go ahead, wait (with how long until a token is back), or cannot tell (Redis down). */
export type Verdict = { ok: true } | { ok: false; retryAfterMs: number } | { ok: 'unknown' };

/** Token buckets by principal. */
export interface Buckets {
  /** Takes one token from the principal's bucket. */
  take(principal: string, bucket: RateLimitSettings): Promise<Verdict>;
  close(): Promise<void>;
}

/** Buckets kept in this process: each replica limits on its own. */
export class MemoryBuckets implements Buckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  take(principal: string, b: RateLimitSettings): Promise<Verdict> {
    const now = Date.now();
    const perMs = b.rate / b.perMs;
    const held = this.buckets.get(principal);
    let tokens = held ? Math.min(b.burst, held.tokens + (now - held.at) * perMs) : b.burst;
    let verdict: Verdict = { ok: true };
    if (tokens >= 1) tokens -= 1;
    else verdict = { ok: false, retryAfterMs: Math.ceil((1 - tokens) / perMs) };
    // Delete-then-set keeps the map in least-recently-used order, so the sweep below stops early.
    this.buckets.delete(principal);
    this.buckets.set(principal, { tokens, at: now });
    if (this.buckets.size > 10_000) this.sweep(now, b);
    return Promise.resolve(verdict);
  }

  /** Forgets buckets that have been full for a while (their principals were idle). */
  private sweep(now: number, b: RateLimitSettings): void {
    const idle = (b.burst * b.perMs) / b.rate;
    for (const [p, held] of this.buckets) {
      if (now - held.at < idle) break;
      this.buckets.delete(p);
    }
  }

  close(): Promise<void> {
    this.buckets.clear();
    return Promise.resolve();
  }
}

/**
 * One token bucket in Redis, refilled by elapsed time on Redis' own clock (so replicas' clocks do not matter):
 * KEYS[1] the bucket; ARGV burst, tokens per ms. Returns {allowed, ms until a token is back}.
 */
const TAKE = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local held = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(held[1]) or burst
local at = tonumber(held[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 1000)
return {allowed, wait}
`;

/** Buckets in Redis, shared by every replica using the same Redis and prefix. */
export class RedisBuckets implements Buckets {
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly where: string,
  ) {}

  async take(principal: string, b: RateLimitSettings): Promise<Verdict> {
    try {
      const key = `${this.prefix}:ratelimit:${principal}`;
      const [allowed, wait] = (await this.redis.eval(TAKE, 1, key, b.burst, b.rate / b.perMs)) as [
        number,
        number,
      ];
      if (this.failing) log.info({ redis: this.where }, 'rate limiter: Redis answers again');
      this.failing = false;
      return allowed === 1 ? { ok: true } : { ok: false, retryAfterMs: wait };
    } catch (err) {
      if (!this.failing)
        log.warn(
          { redis: this.where, err: err instanceof Error ? err.message : String(err) },
          'rate limiter: Redis unreachable',
        );
      this.failing = true;
      return { ok: 'unknown' };
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
    return Promise.resolve();
  }
}

/** In-process buckets, or Redis ones when the gateway has Redis (ioredis loaded only then). */
export async function createBuckets(redis?: { url: string; prefix: string }): Promise<Buckets> {
  if (!redis) return new MemoryBuckets();
  const { commandClient, redactUrl } = await import('../../redis/connections.js');
  const client = commandClient(redis.url, 1000, 'switchboard-ratelimit');
  client.on('error', () => undefined); // failures surface (once) through take()
  // Commands fail at once while disconnected (no offline queue): give the first connection a moment.
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, 1000);
    client.once('ready', done);
    client.once('error', done);
  });
  return new RedisBuckets(client, redis.prefix, redactUrl(redis.url));
}
