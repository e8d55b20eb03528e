/**
 * The pages a user opens to connect a backend acting as each user by authorization code (URL-mode
 * elicitation): a page id handed out in the elicitation, the authorization under way (state, PKCE verifier, the
 * browser that confirmed), and the clients waiting to hear that the user connected.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { UrlElicitation } from '../../errors.js';
import { subscriberClient } from '../../redis/connections.js';
import type { ConnectRecords } from './connect-records.js';
import type { UpstreamGrant } from './grant.js';
import type { GrantStore } from './store.js';

/** One backend's authorization server, as a connect flow uses it. */
export interface Authorizer {
  /** The authorization request (authorization code + PKCE S256) the browser is sent to. */
  authorizationUrl(flow: { state: string; challenge: string; redirectUri: string }): Promise<URL>;
  /** The grant a code gives at the token endpoint (with the PKCE verifier); throws an OAuthTokenError. */
  redeem(code: string, verifier: string, redirectUri: string): Promise<UpstreamGrant>;
}

/** A connect page handed out: whose and for which backend. */
export interface PendingConnect {
  principal: string;
  backend: string;
  elicitationId: string;
  /** Asked because the upstream refused the previous grant. */
  reasked?: boolean;
}

interface Authorizing extends PendingConnect {
  verifier: string;
  redirectUri: string;
  /** SHA-256 of the cookie set on the browser that confirmed: only that browser can finish the flow. */
  browser: string;
}

/** A flow that cannot go on: what the page says (never a code or a token). */
export class ConnectFailed extends Error {
  override readonly name = 'ConnectFailed';
}

/** The path of the OAuth redirect (callback) under the gateway's base URL. */
export const CALLBACK_PATH = '/connect/callback';

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');
const random = () => randomBytes(32).toString('base64url');

/** The connect flows of the gateway: records in memory or Redis, completions told to every replica. */
export class ConnectFlows {
  private readonly authorizers = new Map<string, Authorizer>();
  private readonly waiters = new Map<string, Map<string, () => void>>();
  private subscriber?: Redis;

  constructor(
    private readonly records: ConnectRecords,
    private readonly store: GrantStore,
    /** The gateway's external base URL: gateway.credentials.public_url, else where it listens. */
    private readonly publicUrl: () => string | undefined,
    private readonly log: Logger,
    private readonly redis?: { client: Redis; url: string; prefix: string },
    readonly ttlMs = 10 * 60_000,
  ) {}

  /** Makes a backend connectable (again, after a reload). */
  register(backend: string, authorizer: Authorizer): void {
    this.authorizers.set(backend, authorizer);
  }

  /** Whether users connect this backend through these flows. */
  connectable(backend: string): boolean {
    return this.authorizers.has(backend);
  }

  /** The gateway's external base URL (no trailing slash). */
  base(): string {
    const base = this.publicUrl();
    if (!base) throw new Error('the gateway is not listening yet');
    return base.replace(/\/+$/, '');
  }

  /**
   * A new connect page for the principal and backend: an unguessable single-use id, expiring after ttlMs.
   * `completed` runs (once) when this principal connects the backend, on any replica, within that time.
   */
  async begin(
    principal: string,
    backend: string,
    completed?: (elicitationId: string) => void,
    reasked = false,
  ): Promise<UrlElicitation> {
    const id = random();
    const elicitationId = randomUUID();
    await this.records.put(
      'page',
      id,
      { principal, backend, elicitationId, ...(reasked && { reasked }) } satisfies PendingConnect,
      this.ttlMs,
    );
    if (completed) this.await(principal, backend, elicitationId, () => completed(elicitationId));
    return {
      url: `${this.base()}/connect/${id}`,
      elicitationId,
      message: `Backend "${backend}" acts as each user and needs your authorization at its service`,
    };
  }

  /** What a page id stands for, if it is still pending. */
  page(id: string): Promise<PendingConnect | undefined> {
    return this.records.peek<PendingConnect>('page', id);
  }

  /**
   * The user confirmed page `id` in a browser holding cookie `browser`: the page is used up, and the browser is
   * sent to the authorization server with a fresh state and PKCE challenge.
   */
  async authorize(id: string, browser: string): Promise<URL> {
    const pending = await this.records.take<PendingConnect>('page', id);
    if (!pending)
      throw new ConnectFailed(
        'this connect link was already used or has expired; call the tool again for a new one',
      );
    const authorizer = this.authorizers.get(pending.backend);
    if (!authorizer)
      throw new ConnectFailed(`backend "${pending.backend}" is no longer configured for connecting`);
    const verifier = random();
    const state = random();
    const redirectUri = `${this.base()}${CALLBACK_PATH}`;
    const flow: Authorizing = { ...pending, verifier, redirectUri, browser: digest(browser) };
    await this.records.put('state', state, flow, this.ttlMs);
    return authorizer.authorizationUrl({ state, challenge: digest(verifier), redirectUri });
  }

  /** The authorization server sent the browser back with `code` for `state`: the grant is obtained and stored. */
  async finish(state: string, code: string, browser: string | undefined): Promise<PendingConnect> {
    const flow = await this.records.take<Authorizing>('state', state);
    if (!flow)
      throw new ConnectFailed(
        'unknown or expired state (the authorization was already finished, or took too long)',
      );
    if (!browser || digest(browser) !== flow.browser)
      throw new ConnectFailed('this authorization was started in another browser; start again from the link');
    const authorizer = this.authorizers.get(flow.backend);
    if (!authorizer)
      throw new ConnectFailed(`backend "${flow.backend}" is no longer configured for connecting`);
    const grant = await authorizer.redeem(code, flow.verifier, flow.redirectUri);
    await this.store.put(flow.principal, flow.backend, flow.reasked ? { ...grant, reasked: true } : grant);
    this.log.info({ principal: flow.principal, backend: flow.backend }, 'user connected a backend');
    await this.completed(flow.principal, flow.backend);
    return flow;
  }

  /** Drops a state the authorization server answered with an error; what it was for, if known. */
  cancel(state: string): Promise<PendingConnect | undefined> {
    return this.records.take<Authorizing>('state', state);
  }

  /** Tells the waiting clients of every replica that the principal connected the backend. */
  private async completed(principal: string, backend: string): Promise<void> {
    this.wake(principal, backend);
    if (this.redis) {
      const message = JSON.stringify({ principal, backend });
      await this.redis.client.publish(`${this.redis.prefix}:connect-done`, message).catch((err: unknown) => {
        this.log.warn({ err: String(err) }, 'could not tell other replicas that a user connected');
      });
    }
  }

  private await(principal: string, backend: string, elicitationId: string, notify: () => void): void {
    const key = `${principal}\n${backend}`;
    let set = this.waiters.get(key);
    if (!set) this.waiters.set(key, (set = new Map()));
    set.set(elicitationId, notify);
    setTimeout(() => {
      set.delete(elicitationId);
      if (set.size === 0 && this.waiters.get(key) === set) this.waiters.delete(key);
    }, this.ttlMs).unref();
    this.listen();
  }

  private wake(principal: string, backend: string): void {
    const key = `${principal}\n${backend}`;
    const set = this.waiters.get(key);
    this.waiters.delete(key);
    for (const notify of set?.values() ?? []) notify();
  }

  /** With Redis, hears completions on other replicas (subscribed once, on the first waiter). */
  private listen(): void {
    if (!this.redis || this.subscriber) return;
    const channel = `${this.redis.prefix}:connect-done`;
    this.subscriber = subscriberClient(this.redis.url, 2000, 'switchboard-connect');
    this.subscriber.on('error', (err: Error) => this.log.debug({ err: err.message }, 'connect subscriber'));
    void this.subscriber.subscribe(channel).catch(() => undefined);
    this.subscriber.on('message', (_channel: string, text: string) => {
      try {
        const { principal, backend } = JSON.parse(text) as { principal: string; backend: string };
        this.wake(principal, backend);
      } catch {
        // not ours
      }
    });
  }

  /** Stops hearing other replicas. */
  async close(): Promise<void> {
    await this.subscriber?.quit().catch(() => this.subscriber?.disconnect());
  }
}
