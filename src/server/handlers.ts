import type { Server } from '@modelcontextprotocol/server';
import type { UpstreamRequestOptions } from '../backends/backend.js';
import type { Origin } from '../backends/origin.js';
import { handleMetaCall, type Discovery } from '../discovery/index.js';
import type { Dispatcher, RouteTable } from '../dispatch/dispatch.js';
import { GatewayError } from '../errors.js';
import type { Extra, Peer, Peers } from './peers.js';

type Meta = { progressToken?: string | number } | undefined;
type RelayedOptions = UpstreamRequestOptions & { origin: Origin };

/**
 * Upstream request options for a downstream request: its abort signal, its origin (for server-to-client
 * requests and per-client sessions), and progress relayed with the client's own token.
 */
function upstreamOptions(peer: Peer, extra: Extra, meta: Meta): RelayedOptions {
  const token = meta?.progressToken;
  const origin = peer.origin(extra);
  const opts: RelayedOptions = { signal: extra.mcpReq.signal, origin };
  if (token !== undefined) {
    opts.onprogress = (p) => void origin.notify('notifications/progress', { ...p, progressToken: token });
  }
  return opts;
}

/** Runs a handler body, turning GatewayErrors into JSON-RPC errors with code and backend. */
async function guarded<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw err instanceof GatewayError ? err.toProtocolError() : err;
  }
}

/** Installs the gateway's request handlers on one downstream session's server; all answers come from the current snapshot. */
export function installHandlers(
  server: Server,
  routes: RouteTable,
  dispatch: Dispatcher,
  peers: Peers,
  discovery?: Discovery,
): void {
  const peer = peers.attach(server);
  /** Runs a relayed request; progress and log messages it caused are sent before its answer. */
  const relayed = <T>(extra: Extra, meta: Meta, body: (opts: RelayedOptions) => Promise<T>) =>
    guarded(async () => {
      const opts = upstreamOptions(peers.register(peer), extra, meta);
      try {
        return await body(opts);
      } finally {
        await opts.origin.settled();
      }
    });

  server.setRequestHandler('tools/list', () => {
    const snapshot = routes.snapshot();
    return { tools: discovery ? discovery.listed(snapshot) : snapshot.lists.tools };
  });

  server.setRequestHandler('tools/call', (req, ctx) => {
    const { name, arguments: args, _meta } = req.params;
    if (discovery?.handles(name))
      return relayed(ctx, _meta, (opts) => handleMetaCall(discovery, dispatch, args, _meta, ctx, opts));
    return relayed(ctx, _meta, (opts) => dispatch.callTool(name, args, _meta, opts));
  });

  server.setRequestHandler('resources/list', () => ({
    resources: routes.snapshot().lists.resources,
  }));
  server.setRequestHandler('resources/templates/list', () => ({
    resourceTemplates: routes.snapshot().lists.templates,
  }));
  server.setRequestHandler('resources/read', (req, ctx) =>
    relayed(ctx, req.params._meta, (opts) => dispatch.readResource(req.params.uri, opts)),
  );
  server.setRequestHandler('resources/subscribe', (req, ctx) =>
    relayed(ctx, undefined, async (opts) => {
      await peers.subscriptions.subscribe(opts.origin, req.params.uri, opts.signal);
      return {};
    }),
  );
  server.setRequestHandler('resources/unsubscribe', (req, ctx) =>
    relayed(ctx, undefined, async (opts) => {
      await peers.subscriptions.unsubscribe(opts.origin, req.params.uri, opts.signal);
      return {};
    }),
  );

  server.setRequestHandler('prompts/list', () => ({ prompts: routes.snapshot().lists.prompts }));
  server.setRequestHandler('prompts/get', (req, ctx) =>
    relayed(ctx, req.params._meta, (opts) => dispatch.getPrompt(req.params.name, req.params.arguments, opts)),
  );

  server.setRequestHandler('completion/complete', (req, ctx) =>
    relayed(ctx, undefined, (opts) => dispatch.complete(req.params, opts)),
  );
  server.setRequestHandler('logging/setLevel', async (req, ctx) => {
    await peers.setLevel(peer, req.params.level, ctx);
    return {};
  });
  server.setNotificationHandler('notifications/roots/list_changed', async () => {
    await dispatch.rootsChanged(peers.register(peer).origin());
  });
}
