import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { GatewaySettings } from '../../config/model.js';
import { log } from '../../log.js';
import { waitAtMost } from '../../time.js';

/** What a replica needs to take a 2025-era session up: who opened it and how it was initialized. */
export interface SessionRecord {
  id: string;
  /** The initializer's typed identity (src/principal.ts; empty without authentication). */
  principal: string;
  /** The `initialize` params the client sent (protocol version, capabilities, client info). */
  init: Record<string, unknown>;
  /** The level of the session's last logging/setLevel, if any. */
  level?: string;
  /** The tool set it was initialized on (`/mcp/<set>`), if any. */
  set?: string;
}

/** Cluster-wide session events every replica hears. */
export type SessionEvent =
  | { type: 'closed'; id: string; by: string }
  | { type: 'level'; id: string; level: string; by: string }
  | { type: 'unsubscribed'; id: string; uri: string; by: string };

/** A message for one replica: a client's answer to a request that replica sent. */
export interface ReplicaMessage {
  session: string;
  message: Record<string, unknown>;
}

type RedisModule = typeof import('../../redis/connections.js');

const FAIL_FAST_MS = 2000;
/** How often a replica says it is alive, and how long the word lasts (a killed replica is known dead after it). */
export const HEARTBEAT_EVERY_MS = 3000;
const HEARTBEAT_TTL_MS = 10_000;

/** Hands a subscription to this replica only if its recorded holder is still the one we saw die. */
const ADOPT = `if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3]) return 1 end return 0`;

/**
 * Downstream 2025-era sessions shared by replicas through Redis: one record per session (TTL = the idle timeout,
 * refreshed on use) with a hash of its resource subscriptions and the replica holding each, a heartbeat key per
 * replica, a channel per session for messages to the replica that holds its GET stream, a channel per
 * replica for client answers to its requests, and one channel of session events (closed, log level).
 * ioredis is loaded only when Redis is configured.
 */
export class SessionCluster {
  /** This process's tag, carried in the ids of requests it sends to clients. */
  readonly replica = randomBytes(6).toString('hex');
  private readonly ready: Promise<{ cmd: Redis; sub: Redis }>;
  private readonly streamHandlers = new Map<string, (message: Record<string, unknown>) => void>();
  private closed = false;
  private heartbeat?: NodeJS.Timeout;

  /** Called with each session event published by another replica. */
  onEvent?: (event: SessionEvent) => void;
  /** Called with each client answer routed to this replica. */
  onReplicaMessage?: (msg: ReplicaMessage) => void;

  constructor(private readonly redis: NonNullable<GatewaySettings['redis']>) {
    this.ready = import('../../redis/connections.js').then((m) => this.connect(m));
    this.ready.catch(() => {});
  }

  private key(...parts: string[]): string {
    return [this.redis.prefix, 'sessions', ...parts].join(':');
  }

  private async connect(m: RedisModule): Promise<{ cmd: Redis; sub: Redis }> {
    const cmd = m.commandClient(this.redis.url, FAIL_FAST_MS, `switchboard-sessions:${this.replica}`);
    const sub = m.subscriberClient(this.redis.url, FAIL_FAST_MS, `switchboard-sessions-sub:${this.replica}`);
    for (const c of [cmd, sub]) {
      c.on('error', (err: Error) => log.debug({ err: err.message }, 'session store connection error'));
    }
    sub.on('message', (channel: string, text: string) => this.deliver(channel, text));
    // The subscriber waits for Redis as long as it takes (and resubscribes after a reconnect); commands fail fast.
    void sub.subscribe(this.key('events'), this.key('replica', this.replica)).catch(() => {});
    if (cmd.status !== 'ready') {
      await waitAtMost(new Promise((resolve) => cmd.once('ready', resolve)), FAIL_FAST_MS);
    }
    const beat = () =>
      void cmd.set(this.key('alive', this.replica), '1', 'PX', HEARTBEAT_TTL_MS).catch(() => {});
    beat();
    this.heartbeat = setInterval(beat, HEARTBEAT_EVERY_MS).unref();
    return { cmd, sub };
  }

  private deliver(channel: string, text: string): void {
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return;
    }
    if (channel === this.key('events')) {
      const event = payload as SessionEvent;
      if (event.by !== this.replica) this.onEvent?.(event);
    } else if (channel === this.key('replica', this.replica)) {
      this.onReplicaMessage?.(payload as ReplicaMessage);
    } else {
      const id = channel.slice(this.key('stream', '').length);
      this.streamHandlers.get(id)?.(payload as Record<string, unknown>);
    }
  }

  /** Waits until the store is connected (throws if Redis cannot be reached). */
  async connected(): Promise<void> {
    await this.ready;
  }

  /** Records a session; `ttlMs` 0 keeps it until it is deleted. */
  async save(record: SessionRecord, ttlMs: number): Promise<void> {
    const { cmd } = await this.ready;
    const text = JSON.stringify(record);
    if (ttlMs > 0) await cmd.set(this.key('s', record.id), text, 'PX', ttlMs);
    else await cmd.set(this.key('s', record.id), text);
  }

  /** The record of a session, or undefined when there is none (never created, deleted or expired). */
  async load(id: string): Promise<SessionRecord | undefined> {
    const { cmd } = await this.ready;
    const text = await cmd.get(this.key('s', id));
    return text ? (JSON.parse(text) as SessionRecord) : undefined;
  }

  /** Refreshes a record's TTL (and its subscriptions'); false when the record is gone. */
  async touch(id: string, ttlMs: number): Promise<boolean> {
    const { cmd } = await this.ready;
    if (ttlMs <= 0) return (await cmd.exists(this.key('s', id))) === 1;
    void cmd.pexpire(this.key('subs', id), ttlMs).catch(() => {});
    return (await cmd.pexpire(this.key('s', id), ttlMs)) === 1;
  }

  /** Records that this replica holds the upstream subscription of a session to a URI. */
  async subscribed(id: string, uri: string, ttlMs: number): Promise<void> {
    const { cmd } = await this.ready;
    await cmd.hset(this.key('subs', id), uri, this.replica);
    if (ttlMs > 0) await cmd.pexpire(this.key('subs', id), ttlMs);
  }

  /** Forgets a session's subscription to a URI (the client unsubscribed). */
  async unsubscribed(id: string, uri: string): Promise<void> {
    const { cmd } = await this.ready;
    await cmd.hdel(this.key('subs', id), uri);
  }

  /** A session's subscriptions whose holding replica is dead (stopped, or silent past its heartbeat): URI → holder. */
  async orphans(id: string): Promise<Map<string, string>> {
    const { cmd } = await this.ready;
    const subs = await cmd.hgetall(this.key('subs', id));
    const holders = [...new Set(Object.values(subs))].filter((r) => r !== this.replica);
    if (holders.length === 0) return new Map();
    const alive = await cmd.mget(holders.map((r) => this.key('alive', r)));
    const dead = new Set(holders.filter((_, i) => alive[i] === null));
    return new Map(Object.entries(subs).filter(([, holder]) => dead.has(holder)));
  }

  /** Takes over a dead replica's subscription; false when another replica was quicker (or it is gone). */
  async adopt(id: string, uri: string, from: string): Promise<boolean> {
    const { cmd } = await this.ready;
    return (await cmd.eval(ADOPT, 1, this.key('subs', id), uri, from, this.replica)) === 1;
  }

  /** Gives a subscription back to its dead holder, so a later sweep tries again. */
  async disown(id: string, uri: string, to: string): Promise<void> {
    const { cmd } = await this.ready;
    await cmd.eval(ADOPT, 1, this.key('subs', id), uri, this.replica, to);
  }

  /** Which of these sessions still have a record. */
  async alive(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { cmd } = await this.ready;
    const pipeline = cmd.pipeline();
    for (const id of ids) pipeline.exists(this.key('s', id));
    const replies = (await pipeline.exec()) ?? [];
    return new Set(ids.filter((_, i) => replies[i]?.[1] === 1));
  }

  /** Changes part of a record (read, modify, write: the fields changed this way are rarely written at once). */
  async update(id: string, ttlMs: number, change: (r: SessionRecord) => void): Promise<void> {
    const record = await this.load(id);
    if (!record) return;
    change(record);
    await this.save(record, ttlMs);
  }

  /** Deletes a session's record and tells every replica to drop its copy. */
  async remove(id: string): Promise<void> {
    const { cmd } = await this.ready;
    await cmd.del(this.key('s', id), this.key('subs', id));
    await this.publish({ type: 'closed', id, by: this.replica });
  }

  /**
   * Deletes a session's record (and tells every replica) when no replica has refreshed it for `idleMs`, judged
   * by its remaining TTL (`ttlMs` when last refreshed); a record without TTL, or refreshed since, is kept.
   */
  async removeIfIdle(id: string, ttlMs: number, idleMs: number): Promise<boolean> {
    if (ttlMs <= 0) return false;
    const { cmd } = await this.ready;
    const left = await cmd.pttl(this.key('s', id));
    if (left < 0 || ttlMs - left < idleMs) return false;
    await this.remove(id);
    return true;
  }

  /** Tells the other replicas about a session event. */
  async publish(event: SessionEvent): Promise<void> {
    const { cmd } = await this.ready;
    await cmd.publish(this.key('events'), JSON.stringify(event));
  }

  /** Sends a message to the replica holding a session's GET stream; false when no replica holds one. */
  async toStream(id: string, message: unknown): Promise<boolean> {
    const { cmd } = await this.ready;
    return (await cmd.publish(this.key('stream', id), JSON.stringify(message))) > 0;
  }

  /** Receives the messages other replicas send to a session's GET stream while this replica holds it. */
  async holdStream(id: string, handler: (message: Record<string, unknown>) => void): Promise<void> {
    this.streamHandlers.set(id, handler);
    const { sub } = await this.ready;
    const subscribed = sub.subscribe(this.key('stream', id));
    // Connected: the stream is served once subscribed, so nothing sent meanwhile is lost; else as soon as it can.
    if (sub.status === 'ready') await subscribed;
    else void subscribed.catch(() => {});
  }

  /** Stops receiving a session's stream messages. */
  async releaseStream(id: string): Promise<void> {
    this.streamHandlers.delete(id);
    if (this.closed) return;
    const { sub } = await this.ready;
    void sub.unsubscribe(this.key('stream', id)).catch(() => {});
  }

  /** Sends a client's answer to the replica that asked (`replica` from the request id). */
  async toReplica(replica: string, msg: ReplicaMessage): Promise<boolean> {
    const { cmd } = await this.ready;
    return (await cmd.publish(this.key('replica', replica), JSON.stringify(msg))) > 0;
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    const conns = await this.ready.catch(() => undefined);
    if (!conns) return;
    // Said dead at once: the replicas holding our sessions' streams take our subscriptions over.
    await conns.cmd.del(this.key('alive', this.replica)).catch(() => {});
    conns.sub.disconnect();
    await conns.cmd.quit().catch(() => conns.cmd.disconnect());
  }
}
