import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  createMcpHandler,
  isLegacyRequest,
  PROTOCOL_VERSION_META_KEY,
  type AuthInfo,
  type Server,
} from '@modelcontextprotocol/server';
import { toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import { isModernVersion } from '../../backends/transports/mcp-headers.js';
import type { Origin } from '../../backends/relay/origin.js';
import { log } from '../../log.js';
import type { Grant } from '../../registry/grant.js';
import type { ListChanges } from './session.js';
import type { Subscriptions } from '../relay/subscriptions.js';
import { authOf } from '../http/replies.js';

/** Prefix of the pseudo-session ids under which a 2026 listen stream holds upstream resource subscriptions. */
export const LISTEN_PREFIX = 'listen:';

/** A listen stream's subscription holder: enough of an origin for the upstream subscribe it causes. */
function listenOrigin(id: string): Origin {
  const origin: Origin = {
    sessionId: id,
    perRequest: true,
    capabilities: () => undefined,
    logLevel: () => undefined,
    headers: () => ({}),
    request: () => Promise.reject(new Error('a listen stream cannot answer requests')),
    notify: () => Promise.resolve(),
    settled: () => Promise.resolve(),
    detached: () => origin,
  };
  return origin;
}

/**
 * Whether a POST is 2025-era traffic (initialize, session traffic, batches); the rest is 2026-07-28. Only a
 * message that claims a protocol version in its `_meta` envelope can be 2026-era, so the others (the whole
 * 2025 hot path) are decided here without building a web Request; the SDK decides the rest.
 */
export async function isLegacyPost(req: IncomingMessage, body: unknown): Promise<boolean> {
  if (req.headers['mcp-session-id'] !== undefined || Array.isArray(body)) return true;
  const b = body as { method?: unknown; params?: { _meta?: Record<string, unknown> } } | undefined;
  if (b?.params?._meta?.[PROTOCOL_VERSION_META_KEY] === undefined && !claimsModern(req, b?.method))
    return true;
  if (body === undefined) return isLegacyRequest(await toWebRequest(req, body), body);
  return isLegacyRequest(classifiedView(req), body);
}

/**
 * The request as the SDK's classification reads it when the body is already parsed: its method and the
 * `MCP-Protocol-Version`, `Mcp-Method` and `Mcp-Name` headers (`standardHeadersOf`); no web Request is built
 * for it (the modern path, if it is one, builds its own).
 */
function classifiedView(req: IncomingMessage): Request {
  const get = (name: string): string | null => {
    const value = req.headers[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  };
  return { method: req.method ?? 'POST', headers: { get } } as unknown as Request;
}

/**
 * A request without the `_meta` envelope whose `MCP-Protocol-Version` header names a 2026-07-28 revision is a
 * malformed 2026 request (the SDK answers it -32602 with its id), not 2025 traffic without a session.
 */
function claimsModern(req: IncomingMessage, method: unknown): boolean {
  const version = req.headers['mcp-protocol-version'];
  return typeof version === 'string' && isModernVersion(version) && method !== 'initialize';
}

/**
 * The 2026-07-28 side of /mcp: each request is served by a fresh gateway server (the SDK's per-request entry
 * checks the required headers, answers `server/discover` and holds `subscriptions/listen` streams); list
 * changes and resource updates reach those streams through `notify`.
 */
export class ModernEndpoint {
  private readonly handler: ReturnType<typeof createMcpHandler>;
  private readonly serve: ReturnType<typeof toNodeHandler>;
  /** Requests (listen streams included) being served now, for the sessions-by-era gauge. */
  open = 0;

  constructor(
    factory: (auth: AuthInfo | undefined) => Server,
    private readonly subscriptions: Subscriptions,
    private readonly grant: (auth: AuthInfo | undefined) => Grant,
  ) {
    this.handler = createMcpHandler((ctx) => factory(ctx.authInfo), {
      legacy: 'reject',
      onerror: (err) => log.warn({ err: err.message }, '2026-07-28 request failed'),
    });
    this.serve = toNodeHandler(this.handler, {
      onerror: (err) => log.error({ err: err.message }, 'serving a 2026-07-28 request failed'),
    });
  }

  /** Serves one 2026-07-28 POST; a listen stream asking for resource updates subscribes upstream while open. */
  async handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    this.open++;
    res.once('close', () => this.open--);
    const uris = listenedUris(body);
    if (uris.length) {
      const origin = listenOrigin(`${LISTEN_PREFIX}${randomUUID()}`);
      const grant = this.grant(authOf(req));
      res.once('close', () => void this.subscriptions.drop(origin.sessionId));
      await Promise.all(
        uris.map((uri) =>
          this.subscriptions.subscribe(origin, uri, undefined, grant).catch((err: unknown) => {
            log.warn({ uri, err: String(err) }, 'upstream subscription for a listen stream failed');
          }),
        ),
      );
    }
    await this.serve(req, res, body);
  }

  /** Tells open listen streams which lists changed. */
  broadcast(changes: ListChanges): void {
    if (changes.tools) this.handler.notify.toolsChanged();
    if (changes.prompts) this.handler.notify.promptsChanged();
    if (changes.resources) this.handler.notify.resourcesChanged();
  }

  /** Tells the listen streams subscribed to `uri` that it changed. */
  resourceUpdated(uri: string): void {
    this.handler.notify.resourceUpdated(uri);
  }

  /** Ends every listen stream gracefully and closes requests in flight. */
  close(): Promise<void> {
    return this.handler.close();
  }
}

function listenedUris(body: unknown): string[] {
  const b = body as { method?: unknown; params?: { notifications?: { resourceSubscriptions?: unknown } } };
  if (b?.method !== 'subscriptions/listen') return [];
  const uris = b.params?.notifications?.resourceSubscriptions;
  return Array.isArray(uris) ? uris.filter((u): u is string => typeof u === 'string') : [];
}
