import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { ProblemLog } from '../redis/problem-log.js';
import { commandClient, redactUrl, subscriberClient } from '../redis/connections.js';
import type { BackendCatalog, BackendState } from './backend.js';

/** This process, as other replicas see it in a published catalog. */
export const REPLICA_ID = `${hostname()}:${process.pid}`;

/** What the owner of a single-session upstream publishes: its connection state and catalog. */
export interface CatalogView {
  /** The publishing replica (`host:pid`). */
  owner: string;
  state: Exclude<BackendState, 'stopped'>;
  lastError?: string;
  catalog: BackendCatalog;
  /** Publisher's wall clock, for humans reading /readyz. */
  at: number;
}

/** Where and under which prefix the catalog lives (`<prefix>:<backend>:catalog`, key and channel). */
export interface SharedCatalogOptions {
  url: string;
  prefix: string;
  backend: string;
}

const FAIL_FAST_MS = 1000;

/**
 * One single-session backend's catalog on Redis: the owner replica publishes every change (a key plus a pub/sub
 * notification); the others read it at start, after every notification and after reconnecting, so all replicas
 * expose the same tools without opening an upstream session of their own.
 */
export class SharedCatalog {
  private readonly key: string;
  private readonly cmd: Redis;
  private readonly sub: Redis;
  private readonly problems: ProblemLog;
  private pending: CatalogView | undefined;
  private flushing = false;
  private reading = false;
  private readAgain = false;
  private closed = false;

  /** @param onView receives every view read from Redis (including this replica's own publications). */
  constructor(
    opts: SharedCatalogOptions,
    private readonly onView: (view: CatalogView) => void,
  ) {
    this.key = `${opts.prefix}:${opts.backend}:catalog`;
    this.problems = new ProblemLog(opts.backend, redactUrl(opts.url));
    this.cmd = commandClient(opts.url, FAIL_FAST_MS, `switchboard:${this.key}:cmd`);
    this.sub = subscriberClient(opts.url, FAIL_FAST_MS, `switchboard:${this.key}:sub`);
    for (const c of [this.cmd, this.sub]) c.on('error', (err) => this.problems.report('catalog', err));
    this.cmd.on('ready', () => {
      this.problems.clear();
      void this.flush();
      void this.read();
    });
    // Notifications sent while the subscriber was away are lost; re-read after every (re)subscription.
    this.sub.on('ready', () => void this.read());
    this.sub.on('message', () => void this.read());
    this.sub.subscribe(this.key).catch((err: unknown) => this.problems.report('catalog subscribe', err));
  }

  /** Publishes the owner's view; retried when Redis is back if it cannot be written now. */
  publish(view: Omit<CatalogView, 'owner' | 'at'>): void {
    this.pending = { ...view, owner: REPLICA_ID, at: Date.now() };
    void this.flush();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cmd.disconnect();
    this.sub.disconnect();
  }

  private async flush(): Promise<void> {
    if (this.flushing || this.closed || this.cmd.status !== 'ready') return;
    this.flushing = true;
    try {
      for (let v = this.pending; v && !this.closed; v = this.pending) {
        this.pending = undefined;
        try {
          await this.cmd.multi().set(this.key, JSON.stringify(v)).publish(this.key, String(v.at)).exec();
        } catch (err) {
          this.pending ??= v;
          this.problems.report('catalog publish', err);
          return;
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** One read at a time; a notification arriving meanwhile causes one more, so the last view always wins. */
  private async read(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.readAgain = false;
        if (this.closed || this.cmd.status !== 'ready') return;
        const raw = await this.cmd.get(this.key);
        if (raw && !this.closed) this.onView(JSON.parse(raw) as CatalogView);
      } while (this.readAgain);
    } catch (err) {
      this.problems.report('catalog read', err);
    } finally {
      this.reading = false;
    }
  }
}
