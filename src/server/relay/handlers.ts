import type {
  AuthInfo,
  CallToolRequest,
  CompleteRequest,
  GetPromptRequest,
  ReadResourceRequest,
  Server,
  Tool,
} from '@modelcontextprotocol/server';
import { handleMetaCall, type Discovery } from '../../discovery/index.js';
import type { Dispatcher, RouteTable } from '../../dispatch/dispatch.js';
import type { Context } from '@opentelemetry/api';
import type { RequestAudit, RequestFacts } from '../../audit/hook.js';
import { telemetryOff, type Telemetry } from '../../telemetry/recorder.js';
import type { Grant, GrantViews } from '../../registry/grant.js';
import { GatewayError } from '../../errors.js';
import type { Extra, Peers } from './peers.js';
import {
  guarded,
  relayWithInput,
  upstreamOptions,
  type InputSupport,
  type Meta,
  type RelayedOptions,
} from './relayed.js';
import { traced } from './traced.js';
import { installRelayPath, type Handler } from './relay-path.js';
import {
  completeResult,
  plainCallParams,
  plainCompleteParams,
  plainPromptParams,
  plainReadParams,
  plainTextResult,
} from './relay-checks.js';

/** What a principal may use (gateway.auth.policies), and the lists filtered for it. */
export interface Access {
  grant(auth: AuthInfo | undefined): Grant;
  views: GrantViews;
}

/** The tools a principal's tools/list shows: the catalog under the discovery exposure, filtered by its grant. */
export function visibleTools(
  routes: RouteTable,
  access: Access,
  grant: Grant,
  discovery?: Discovery,
): Tool[] {
  const snapshot = routes.snapshot();
  const listed = discovery ? discovery.listed(snapshot) : snapshot.lists.tools;
  return access.views.toolsFor(snapshot, listed, grant);
}

/** What the request handlers answer from and relay through. */
export interface HandlerDeps {
  routes: RouteTable;
  dispatcher: Dispatcher;
  peers: Peers;
  input: InputSupport;
  access: Access;
  discovery?: Discovery;
  telemetry?: Telemetry;
  /** The audit trail each tools/call, resources/read and prompts/get is recorded in (src/audit). */
  audit?: RequestAudit;
  /** Whether a new server's plain tools/call, resources/read, prompts/get and completion/complete take the relay path (gateway.relay_path; default on). */
  relayPath?: () => boolean;
}

/** Installs the gateway's request handlers on one downstream session's server; all answers come from the current snapshot. */
export function installHandlers(
  server: Server,
  deps: HandlerDeps,
  /** Set when the server serves one 2026-07-28 request: that request's pseudo-session id. */
  requestId?: string,
): void {
  const { routes, dispatcher: dispatch, peers, input, access, discovery } = deps;
  const telemetry = deps.telemetry ?? telemetryOff();
  /** Upstream requests of plain request/response methods may take the relay path's upstream half too. */
  const onRelay = (opts: RelayedOptions): RelayedOptions =>
    deps.relayPath?.() === false ? opts : { ...opts, relay: true };
  const peer = peers.attach(server, requestId);
  /** Each request in its server span (when tracing is on); `target` is a tool or prompt name, if any. */
  const span = <T>(extra: Extra, target: string | undefined, body: (trace?: Context) => T | Promise<T>) =>
    traced(telemetry.tracing, server, extra, target, body);
  const grantOf = (extra: Extra) => access.grant(extra.http?.authInfo);
  const view = (extra: Extra) => access.views.view(routes.snapshot(), grantOf(extra));
  /** Runs a relayed request; progress and log messages it caused are sent before its answer. */
  const relayed = <T>(
    extra: Extra,
    meta: Meta,
    body: (opts: RelayedOptions) => Promise<T>,
    trace?: Context,
  ) =>
    guarded(async () => {
      if (peer.perRequest) peer.levelFrom(extra);
      const opts = upstreamOptions(peers.register(peer), extra, meta, undefined, trace);
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
    trace?: Context,
  ) =>
    guarded(() =>
      relayWithInput(
        {
          support: input,
          dispatch,
          peer: peers.register(peer),
          extra,
          meta,
          binding: { method, target },
          trace,
        },
        body,
      ),
    );

  // --- audit hook (src/audit): tools/call, resources/read and prompts/get, with how each ended ---
  const audited = <T>(
    ctx: Extra,
    facts: Pick<RequestFacts, 'method' | 'target' | 'arguments' | 'trace'>,
    body: () => Promise<T>,
  ): Promise<T> => {
    const { audit } = deps;
    if (!audit) return body();
    const session = ctx.sessionId ?? (peer.perRequest ? peer.id : undefined);
    const auth = ctx.http?.authInfo;
    const backend = deps.dispatcher.owner(facts.method, facts.target);
    return audit.around({ ...facts, backend, server, auth, session, perRequest: peer.perRequest }, body);
  };

  server.setRequestHandler('tools/list', (_req, ctx) =>
    span(ctx, undefined, () => ({ tools: visibleTools(routes, access, grantOf(ctx), discovery) })),
  );

  const callTool = (req: CallToolRequest, ctx: Extra) => {
    const { name, arguments: args, _meta } = req.params;
    const grant = grantOf(ctx);
    // Only names in the catalog (or the meta-tool's) name the span: a client's made-up name is not a target.
    const known = discovery?.handles(name) || routes.snapshot().toolsByName.has(name);
    const run = (trace?: Context) => {
      if (discovery?.handles(name)) {
        if (!grant.gatewayTool(name)) {
          const message = `tool "${name}" is not permitted for this client (gateway.auth.policies)`;
          return guarded(() => Promise.reject(new GatewayError('not_permitted', message)));
        }
        const meta = (opts: RelayedOptions) =>
          handleMetaCall({ discovery, dispatch, args, meta: _meta, extra: ctx, opts, grant });
        return relayed(ctx, _meta, meta, trace);
      }
      const call = (opts: RelayedOptions) => dispatch.callTool(name, args, _meta, onRelay(opts), grant);
      return withInput(ctx, _meta, 'tools/call', name, call, trace);
    };
    return span(ctx, known ? name : undefined, (trace) =>
      audited(ctx, { method: 'tools/call', target: name, arguments: args, trace }, () => run(trace)),
    );
  };
  server.setRequestHandler('tools/call', callTool);

  server.setRequestHandler('resources/list', (_req, ctx) =>
    span(ctx, undefined, () => ({ resources: view(ctx).resources })),
  );
  server.setRequestHandler('resources/templates/list', (_req, ctx) =>
    span(ctx, undefined, () => ({ resourceTemplates: view(ctx).templates })),
  );
  const readResource = (req: ReadResourceRequest, ctx: Extra) =>
    span(ctx, undefined, (trace) =>
      audited(ctx, { method: 'resources/read', target: req.params.uri, trace }, () =>
        withInput(
          ctx,
          req.params._meta,
          'resources/read',
          req.params.uri,
          (opts) => dispatch.readResource(req.params.uri, onRelay(opts), grantOf(ctx)),
          trace,
        ),
      ),
    );
  server.setRequestHandler('resources/read', readResource);
  server.setRequestHandler('resources/subscribe', (req, ctx) =>
    span(ctx, undefined, (trace) =>
      relayed(
        ctx,
        undefined,
        async (opts) => {
          await peers.subscriptions.subscribe(opts.origin, req.params.uri, opts.signal, grantOf(ctx));
          return {};
        },
        trace,
      ),
    ),
  );
  server.setRequestHandler('resources/unsubscribe', (req, ctx) =>
    span(ctx, undefined, (trace) =>
      relayed(
        ctx,
        undefined,
        async (opts) => {
          await peers.subscriptions.unsubscribe(opts.origin, req.params.uri, opts.signal);
          return {};
        },
        trace,
      ),
    ),
  );

  server.setRequestHandler('prompts/list', (_req, ctx) =>
    span(ctx, undefined, () => ({ prompts: view(ctx).prompts })),
  );
  const getPrompt = (req: GetPromptRequest, ctx: Extra) => {
    const { name } = req.params;
    return span(ctx, routes.snapshot().promptsByName.has(name) ? name : undefined, (trace) =>
      audited(ctx, { method: 'prompts/get', target: name, arguments: req.params.arguments, trace }, () =>
        withInput(
          ctx,
          req.params._meta,
          'prompts/get',
          name,
          (opts) => dispatch.getPrompt(name, req.params.arguments, onRelay(opts), grantOf(ctx)),
          trace,
        ),
      ),
    );
  };
  server.setRequestHandler('prompts/get', getPrompt);

  const complete = (req: CompleteRequest, ctx: Extra) =>
    span(ctx, undefined, (trace) =>
      relayed(ctx, undefined, (opts) => dispatch.complete(req.params, onRelay(opts), grantOf(ctx)), trace),
    );
  server.setRequestHandler('completion/complete', complete);

  // Plain requests of these methods may skip the SDK's decoding (gateway.relay_path): same handlers, same answers.
  if (deps.relayPath?.() !== false) {
    installRelayPath(server, {
      'tools/call': { handler: callTool as Handler, plainParams: plainCallParams, passes: plainTextResult },
      'resources/read': {
        handler: readResource as Handler,
        plainParams: plainReadParams,
        passes: completeResult,
      },
      'prompts/get': {
        handler: getPrompt as Handler,
        plainParams: plainPromptParams,
        passes: completeResult,
      },
      'completion/complete': {
        handler: complete as Handler,
        plainParams: plainCompleteParams,
        passes: completeResult,
      },
    });
  }
  server.setRequestHandler('logging/setLevel', (req, ctx) =>
    span(ctx, undefined, async () => {
      await peers.setLevel(peer, req.params.level, ctx);
      return {};
    }),
  );
  server.setNotificationHandler('notifications/roots/list_changed', async () => {
    await dispatch.rootsChanged(peers.register(peer).origin());
  });
}
