import { randomBytes, randomUUID } from 'node:crypto';
import { inputRequired } from '@modelcontextprotocol/server';
import type { InputRequiredResult, ServerContext } from '@modelcontextprotocol/server';
import { GatewayError } from '../../errors.js';
import { log } from '../../log.js';

/** A server-to-client request an upstream made during a call, waiting for the client's answer. */
interface Ask {
  key: string;
  method: string;
  params?: Record<string, unknown>;
  answer(result: Record<string, unknown>): void;
  refuse(err: Error): void;
}

type Step<T> = { done: T } | { failed: unknown } | { asks: Ask[] };

/**
 * One call of a 2026-07-28 client whose (2025-era) upstream asks the client something mid-call. The
 * 2026 client can only be answered with a result, so the call is parked: the client gets `input_required`
 * with the upstream's requests embedded, and its retry carries the answers back to the same running call.
 */
export class ParkedCall<T> {
  /** Cancels the upstream call: when the client goes away while it is running, or the park expires. */
  readonly abort = new AbortController();
  /** The downstream request currently attached (notifications go on its stream); none while parked. */
  ctx?: ServerContext;
  private outcome?: Promise<Step<T>>;
  private waiting: Ask[] = [];
  private wake?: () => void;
  private seq = 0;

  /** Starts the upstream call. */
  start(run: (signal: AbortSignal) => Promise<T>): void {
    this.outcome = run(this.abort.signal).then(
      (done) => ({ done }),
      (failed: unknown) => ({ failed }),
    );
  }

  /** The origin's `request`: queues the upstream's request until the client answers it on a retry. */
  ask(method: string, params?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((answer, refuse) => {
      this.waiting.push({ key: `q${++this.seq}`, method, params, answer, refuse });
      // Requests an upstream sends together are answered together: wait a turn before waking the handler.
      setImmediate(() => this.wake?.());
    });
  }

  /** Resolves with the call's outcome, or with the requests it is waiting for. */
  async next(): Promise<Step<T>> {
    if (this.waiting.length) return { asks: this.waiting.splice(0) };
    const asked = new Promise<Step<T>>((resolve) => {
      this.wake = () => resolve({ asks: this.waiting.splice(0) });
    });
    try {
      return await Promise.race([this.outcome!, asked]);
    } finally {
      this.wake = undefined;
    }
  }
}

/** Calls parked in this gateway process, by nonce. */
export class InputBridge {
  private readonly parked = new Map<
    string,
    { call: ParkedCall<unknown>; asks: Ask[]; timer: NodeJS.Timeout }
  >();

  /** This process, named in every nonce: a retry that reaches another replica is told where its call waits. */
  readonly replica = randomBytes(6).toString('hex');

  /** @param ttlMs how long a parked call waits for the client's retry before it is cancelled. */
  constructor(private readonly ttlMs = 10 * 60_000) {}

  /** Number of parked calls. */
  get size(): number {
    return this.parked.size;
  }

  private idleWaiters: (() => void)[] = [];

  /** Resolves once no call is parked (shutdown waits for parked calls' retries within its grace). */
  idle(): Promise<void> {
    if (this.parked.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private unpark(nonce: string): void {
    this.parked.delete(nonce);
    if (this.parked.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /**
   * Attaches a downstream request to a call and waits for its next step: the result, or `input_required`
   * (the call stays parked under a nonce that `seal` turns into the requestState).
   */
  async drive<T>(
    call: ParkedCall<T>,
    ctx: ServerContext,
    seal: (nonce: string) => string,
  ): Promise<T | InputRequiredResult> {
    call.ctx = ctx;
    const gone = () => call.abort.abort(new Error('the client went away'));
    ctx.mcpReq.signal.addEventListener('abort', gone, { once: true });
    let step: Step<T>;
    try {
      step = await call.next();
    } finally {
      ctx.mcpReq.signal.removeEventListener('abort', gone);
      call.ctx = undefined;
    }
    if ('done' in step) return step.done;
    if ('failed' in step) throw step.failed;
    const nonce = `${this.replica}.${randomUUID()}`;
    const timer = setTimeout(() => this.expire(nonce), this.ttlMs).unref();
    this.parked.set(nonce, { call: call as ParkedCall<unknown>, asks: step.asks, timer });
    const inputRequests = Object.fromEntries(
      step.asks.map((a) => [a.key, { method: a.method, params: a.params ?? {} }]),
    );
    return inputRequired({ inputRequests, requestState: seal(nonce) } as Parameters<typeof inputRequired>[0]);
  }

  /** Hands the client's answers to the parked call named by `nonce` and drives it on. */
  resume<T>(
    nonce: string,
    ctx: ServerContext,
    responses: Record<string, unknown> | undefined,
    seal: (nonce: string) => string,
  ): Promise<T | InputRequiredResult> {
    const entry = this.parked.get(nonce);
    if (!entry && !nonce.startsWith(`${this.replica}.`)) {
      throw new GatewayError(
        'invalid_request_state',
        'Invalid requestState: its call waits on another gateway replica (parked there while the upstream asks the client); send the retry to that replica (session affinity) or send the request again without it',
      );
    }
    if (!entry) {
      throw new GatewayError(
        'invalid_request_state',
        'Invalid requestState: its call is no longer waiting (already resumed by an earlier retry, cancelled, or expired); send the request again without it',
      );
    }
    this.unpark(nonce);
    clearTimeout(entry.timer);
    for (const ask of entry.asks) {
      const answer = responses?.[ask.key];
      if (answer && typeof answer === 'object') ask.answer(answer as Record<string, unknown>);
      else ask.refuse(new Error(`the client sent no answer for input request "${ask.key}" (${ask.method})`));
    }
    return this.drive(entry.call as ParkedCall<T>, ctx, seal);
  }

  private expire(nonce: string): void {
    const entry = this.parked.get(nonce);
    if (!entry) return;
    this.unpark(nonce);
    const err = new Error('the client did not retry with answers in time');
    log.info(
      { requests: entry.asks.map((a) => a.method) },
      'parked call cancelled: the client did not retry in time',
    );
    for (const ask of entry.asks) ask.refuse(err);
    entry.call.abort.abort(err);
  }

  /** Cancels every parked call (shutdown). */
  close(): void {
    for (const nonce of [...this.parked.keys()]) this.expire(nonce);
  }
}
