import type { CallToolResult, ServerContext } from '@modelcontextprotocol/server';
import { CreateMessageResultSchema } from '@modelcontextprotocol/core';
import type { UpstreamRequestOptions } from '../backends/backend.js';
import type { Origin } from '../backends/relay/origin.js';
import type { Dispatcher } from '../dispatch/dispatch.js';
import { ALLOW_ALL, type Grant } from '../registry/grant.js';
import { callMetaTool } from './call.js';
import type { Discovery } from './service.js';

/** How long the client's model may take to rerank. */
const SAMPLING_TIMEOUT_MS = 60_000;

/** One downstream tools/call of the meta-tool and what serves it. */
export interface MetaCall {
  discovery: Discovery;
  dispatch: Dispatcher;
  args: Record<string, unknown> | undefined;
  /** The call's `_meta`, passed on to the tools it runs. */
  meta: Record<string, unknown> | undefined;
  extra: ServerContext;
  opts: UpstreamRequestOptions & { origin: Origin };
  /** What the caller may use; everything when not given. */
  grant?: Grant;
}

/**
 * Serves a downstream tools/call of the meta-tool: tools it runs go through the dispatcher with the
 * call's own options (progress, cancellation, origin); sampling goes to the calling client, if it can.
 */
export function handleMetaCall(call: MetaCall): Promise<CallToolResult> {
  const { discovery, dispatch, args, meta, extra, opts, grant = ALLOW_ALL } = call;
  // A 2026-07-28 request cannot be sent requests mid-call (that would be input_required): rank lexically.
  const canSample = !opts.origin.perRequest && opts.origin.capabilities()?.sampling !== undefined;
  return callMetaTool(discovery, args, {
    callTool: (name, toolArgs) => dispatch.callTool(name, toolArgs, meta, opts, grant),
    ...(grant.all
      ? {}
      : {
          permits: (name, backend) => grant.tool(name, backend),
          // A backend is searchable when the caller may use any of its tools.
          permitsBackend: (b) =>
            discovery.host.snapshot().tools.some((e) => e.backend === b && grant.tool(e.exposed, b)),
        }),
    ...(canSample
      ? {
          sample: (params) =>
            extra.mcpReq.send({ method: 'sampling/createMessage', params }, CreateMessageResultSchema, {
              signal: extra.mcpReq.signal,
              timeout: SAMPLING_TIMEOUT_MS,
            }),
        }
      : {}),
  });
}
