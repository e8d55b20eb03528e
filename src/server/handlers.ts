import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  type ServerNotification,
  type ServerRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { UpstreamRequestOptions } from '../backends/backend.js';
import type { Dispatcher, RouteTable } from '../dispatch/dispatch.js';
import { GatewayError } from '../dispatch/errors.js';

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** Upstream request options for a downstream request: its abort signal, and progress relayed with the client's token. */
function upstreamOptions(
  extra: Extra,
  meta: { progressToken?: string | number } | undefined,
): UpstreamRequestOptions {
  const token = meta?.progressToken;
  if (token === undefined) return { signal: extra.signal };
  return {
    signal: extra.signal,
    onprogress: (p) => {
      void extra
        .sendNotification({ method: 'notifications/progress', params: { ...p, progressToken: token } })
        .catch(() => {});
    },
  };
}

/** Runs a handler body, turning GatewayErrors into JSON-RPC errors with code and backend. */
async function guarded<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw err instanceof GatewayError ? err.toMcpError() : err;
  }
}

/** Installs the gateway's request handlers on one downstream session's server; all answers come from the current snapshot. */
export function installHandlers(server: Server, routes: RouteTable, dispatch: Dispatcher): void {
  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: routes.snapshot().lists.tools }));

  server.setRequestHandler(CallToolRequestSchema, (req, extra) =>
    guarded(() => {
      const { name, arguments: args, _meta } = req.params;
      return dispatch.callTool(name, args, _meta, upstreamOptions(extra, _meta));
    }),
  );

  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: routes.snapshot().lists.resources,
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: routes.snapshot().lists.templates,
  }));
  server.setRequestHandler(ReadResourceRequestSchema, (req, extra) =>
    guarded(() => dispatch.readResource(req.params.uri, upstreamOptions(extra, req.params._meta))),
  );
  server.setRequestHandler(SubscribeRequestSchema, (req, extra) =>
    guarded(async () => {
      await dispatch.subscription('resources/subscribe', req.params.uri, { signal: extra.signal });
      return {};
    }),
  );
  server.setRequestHandler(UnsubscribeRequestSchema, (req, extra) =>
    guarded(async () => {
      await dispatch.subscription('resources/unsubscribe', req.params.uri, { signal: extra.signal });
      return {};
    }),
  );

  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: routes.snapshot().lists.prompts }));
  server.setRequestHandler(GetPromptRequestSchema, (req, extra) =>
    guarded(() =>
      dispatch.getPrompt(req.params.name, req.params.arguments, upstreamOptions(extra, req.params._meta)),
    ),
  );

  server.setRequestHandler(CompleteRequestSchema, (req, extra) =>
    guarded(() => dispatch.complete(req.params, { signal: extra.signal })),
  );
  server.setRequestHandler(SetLevelRequestSchema, async (req) => {
    await dispatch.setLevel(req.params.level);
    return {};
  });
}
