import type { AuthInfo, Server } from '@modelcontextprotocol/server';
import { handleMetaCall, type Discovery } from '../discovery/index.js';
import type { Dispatcher, RouteTable } from '../dispatch/dispatch.js';
import type { Grant, GrantViews } from '../registry/grant.js';
import { GatewayError } from '../errors.js';
import type { Extra, Peers } from './peers.js';
import {
  guarded,
  relayWithInput,
  upstreamOptions,
  type InputSupport,
  type Meta,
  type RelayedOptions,
} from './relayed.js';

/** What a principal may use (gateway.auth.policies), and the lists filtered for it. */
export interface Access {
  grant(auth: AuthInfo | undefined): Grant;
  views: GrantViews;
}

/** Installs the gateway's request handlers on one downstream session's server; all answers come from the current snapshot. */
export function installHandlers(
  server: Server,
  routes: RouteTable,
  dispatch: Dispatcher,
  peers: Peers,
  input: InputSupport,
  access: Access,
  discovery?: Discovery,
  /** Set when the server serves one 2026-07-28 request: that request's pseudo-session id. */
  requestId?: string,
): void {
  const peer = peers.attach(server, requestId);
  const grantOf = (extra: Extra) => access.grant(extra.http?.authInfo);
  const view = (extra: Extra) => access.views.view(routes.snapshot(), grantOf(extra));
  /** Runs a relayed request; progress and log messages it caused are sent before its answer. */
  const relayed = <T>(extra: Extra, meta: Meta, body: (opts: RelayedOptions) => Promise<T>) =>
    guarded(async () => {
      if (peer.perRequest) peer.levelFrom(extra);
      const opts = upstreamOptions(peers.register(peer), extra, meta);
      try {
        return await body(opts);
      } finally {
        await opts.origin.settled();
        // A 2026 request has no session: per-client upstream sessions it opened end with it.
        if (peer.perRequest) void dispatch.sessionClosed(peer.id);
      }
    });
  /** Relays a request whose answer may need the client's input mid-call, in either era. */
  const withInput = <T extends object>(
    extra: Extra,
    meta: Meta,
    method: 'tools/call' | 'prompts/get' | 'resources/read',
    target: string,
    body: (opts: RelayedOptions) => Promise<T>,
  ) =>
    guarded(() =>
      relayWithInput(input, dispatch, peers.register(peer), extra, meta, { method, target }, body),
    );

  server.setRequestHandler('tools/list', (_req, ctx) => {
    const snapshot = routes.snapshot();
    const listed = discovery ? discovery.listed(snapshot) : snapshot.lists.tools;
    return { tools: access.views.toolsFor(snapshot, listed, grantOf(ctx)) };
  });

  server.setRequestHandler('tools/call', (req, ctx) => {
    const { name, arguments: args, _meta } = req.params;
    const grant = grantOf(ctx);
    if (discovery?.handles(name)) {
      if (!grant.gatewayTool(name)) {
        const message = `tool "${name}" is not permitted for this client (gateway.auth.policies)`;
        return guarded(() => Promise.reject(new GatewayError('not_permitted', message)));
      }
      return relayed(ctx, _meta, (opts) =>
        handleMetaCall(discovery, dispatch, args, _meta, ctx, opts, grant),
      );
    }
    return withInput(ctx, _meta, 'tools/call', name, (opts) =>
      dispatch.callTool(name, args, _meta, opts, grant),
    );
  });

  server.setRequestHandler('resources/list', (_req, ctx) => ({ resources: view(ctx).resources }));
  server.setRequestHandler('resources/templates/list', (_req, ctx) => ({
    resourceTemplates: view(ctx).templates,
  }));
  server.setRequestHandler('resources/read', (req, ctx) =>
    withInput(ctx, req.params._meta, 'resources/read', req.params.uri, (opts) =>
      dispatch.readResource(req.params.uri, opts, grantOf(ctx)),
    ),
  );
  server.setRequestHandler('resources/subscribe', (req, ctx) =>
    relayed(ctx, undefined, async (opts) => {
      await peers.subscriptions.subscribe(opts.origin, req.params.uri, opts.signal, grantOf(ctx));
      return {};
    }),
  );
  server.setRequestHandler('resources/unsubscribe', (req, ctx) =>
    relayed(ctx, undefined, async (opts) => {
      await peers.subscriptions.unsubscribe(opts.origin, req.params.uri, opts.signal);
      return {};
    }),
  );

  server.setRequestHandler('prompts/list', (_req, ctx) => ({ prompts: view(ctx).prompts }));
  server.setRequestHandler('prompts/get', (req, ctx) =>
    withInput(ctx, req.params._meta, 'prompts/get', req.params.name, (opts) =>
      dispatch.getPrompt(req.params.name, req.params.arguments, opts, grantOf(ctx)),
    ),
  );

  server.setRequestHandler('completion/complete', (req, ctx) =>
    relayed(ctx, undefined, (opts) => dispatch.complete(req.params, opts, grantOf(ctx))),
  );
  server.setRequestHandler('logging/setLevel', async (req, ctx) => {
    await peers.setLevel(peer, req.params.level, ctx);
    return {};
  });
  server.setNotificationHandler('notifications/roots/list_changed', async () => {
    await dispatch.rootsChanged(peers.register(peer).origin());
  });
}
