import type { Redis } from 'ioredis';

// All Lua runs atomically in Redis, which is what makes the decisions below race-free across replicas.
// Times come from Redis TIME so replicas with skewed clocks agree on admission order and deadlines.

const NOW = `local t = redis.call('TIME'); local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

/** Ownership lease: extend only if we still hold it. KEYS owner; ARGV id, ms → 1/0. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;

/** Ownership lease: delete only if we still hold it. KEYS owner; ARGV id → 1/0. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

/**
 * Admission (cluster-wide max_queue_size): the admitted set holds calls accepted and not yet started, scored by
 * when they become stale (a caller that died before enqueueing, or a job lost with Redis data).
 * KEYS admitted; ARGV jobId, max (-1 = unlimited), staleAfterMs → {1|0, now}.
 */
const ADMIT = `${NOW}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local max = tonumber(ARGV[2])
if max >= 0 and redis.call('ZCARD', KEYS[1]) >= max then return {0, now} end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
return {1, now}`;

/**
 * Start gate, run by the owner's worker before calling the executor. Together with CANCEL it guarantees that a
 * cancelled or timed-out waiting call never runs, whatever the interleaving.
 * KEYS owner, admitted, cancelFlag, startedMarker; ARGV leaseId, jobId, deadline (0 = none), retry (0/1), ttlMs
 * → {verdict, now}: ok | not_owner | cancelled | expired | restarted.
 */
const GATE = `${NOW}
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return {'not_owner', now} end
redis.call('ZREM', KEYS[2], ARGV[2])
if redis.call('EXISTS', KEYS[3]) == 1 then return {'cancelled', now} end
local deadline = tonumber(ARGV[3])
if deadline > 0 and now >= deadline then return {'expired', now} end
if redis.call('EXISTS', KEYS[4]) == 1 and ARGV[4] ~= '1' then return {'restarted', now} end
redis.call('SET', KEYS[4], now, 'PX', ARGV[5])
return {'ok', now}`;

/**
 * Caller-side cancel. If the call has not started, set its cancel flag (the gate will refuse it) and drop its
 * admission; if it has started, set the flag only when asked (a wait-only timeout must not stop a started call
 * from being re-run after failover). KEYS startedMarker, cancelFlag, admitted; ARGV jobId, ttlMs, flagIfStarted
 * → 0 not started (and now never will), 1 started.
 */
const CANCEL = `if redis.call('EXISTS', KEYS[1]) == 1 then
  if ARGV[3] == '1' then redis.call('SET', KEYS[2], '1', 'PX', ARGV[2]) end
  return 1
end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[1])
return 0`;

type Arg = string | number;
type ScriptFn = (...args: Arg[]) => Promise<unknown>;

/** Typed wrappers around the queue's Lua scripts, registered on one client (EVALSHA with EVAL fallback). */
export class QueueScripts {
  private readonly fns: Record<string, ScriptFn>;

  constructor(private readonly client: Redis) {
    const defs = {
      sbRenew: [1, RENEW],
      sbRelease: [1, RELEASE],
      sbAdmit: [1, ADMIT],
      sbGate: [4, GATE],
      sbCancel: [3, CANCEL],
    } as const;
    for (const [name, [numberOfKeys, lua]] of Object.entries(defs)) {
      client.defineCommand(name, { numberOfKeys, lua });
    }
    this.fns = client as unknown as Record<string, ScriptFn>;
  }

  private call(name: string, ...args: Arg[]): Promise<unknown> {
    const fn = this.fns[name];
    if (!fn) throw new Error(`script ${name} not registered`);
    return fn.apply(this.client, args);
  }

  async acquire(ownerKey: string, id: string, ms: number): Promise<boolean> {
    return (await this.client.set(ownerKey, id, 'PX', ms, 'NX')) === 'OK';
  }

  async renew(ownerKey: string, id: string, ms: number): Promise<boolean> {
    return Number(await this.call('sbRenew', ownerKey, id, ms)) === 1;
  }

  async release(ownerKey: string, id: string): Promise<boolean> {
    return Number(await this.call('sbRelease', ownerKey, id)) === 1;
  }

  async admit(
    admittedKey: string,
    jobId: string,
    max: number,
    staleAfterMs: number,
  ): Promise<{ ok: boolean; now: number }> {
    const [ok, now] = (await this.call('sbAdmit', admittedKey, jobId, max, staleAfterMs)) as [number, number];
    return { ok: Number(ok) === 1, now: Number(now) };
  }

  async gate(
    keys: { owner: string; admitted: string; cancel: string; started: string },
    a: { leaseId: string; jobId: string; deadline: number; retry: boolean; ttlMs: number },
  ): Promise<{ verdict: GateVerdict; now: number }> {
    const [verdict, now] = (await this.call(
      'sbGate',
      keys.owner,
      keys.admitted,
      keys.cancel,
      keys.started,
      a.leaseId,
      a.jobId,
      a.deadline,
      a.retry ? '1' : '0',
      a.ttlMs,
    )) as [GateVerdict, number];
    return { verdict, now: Number(now) };
  }

  /** Returns whether the call had already started. */
  async cancel(
    keys: { started: string; cancel: string; admitted: string },
    jobId: string,
    ttlMs: number,
    flagIfStarted: boolean,
  ): Promise<boolean> {
    const r = await this.call(
      'sbCancel',
      keys.started,
      keys.cancel,
      keys.admitted,
      jobId,
      ttlMs,
      flagIfStarted ? '1' : '0',
    );
    return Number(r) === 1;
  }
}

/** What the start gate decided for a job. */
export type GateVerdict = 'ok' | 'not_owner' | 'cancelled' | 'expired' | 'restarted';

/** The Redis key names of one backend's queue. */
export class QueueKeys {
  readonly base: string;
  /** BullMQ's key prefix; BullMQ appends `:<queueName>:<type>`. */
  readonly bullPrefix: string;
  /** BullMQ forbids ':' in queue names, so the backend name is URI-encoded (which encodes ':'). */
  readonly queueName: string;

  constructor(prefix: string, backend: string) {
    this.base = `${prefix}:${backend}`;
    this.bullPrefix = `${prefix}:q`;
    this.queueName = encodeURIComponent(backend);
  }

  get owner(): string {
    return `${this.base}:owner`;
  }
  get admitted(): string {
    return `${this.base}:admitted`;
  }
  get cancelChannel(): string {
    return `${this.base}:cancel`;
  }
  job(id: string): { cancel: string; started: string } {
    return { cancel: `${this.base}:job:${id}:cancel`, started: `${this.base}:job:${id}:started` };
  }
}
