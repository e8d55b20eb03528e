import type { Attributes, Context } from '@opentelemetry/api';
import { PROTOCOL_VERSION_META_KEY, type Server } from '@modelcontextprotocol/server';
import { errorTypeOf, isToolError } from '../../telemetry/outcome.js';
import type { Tracing } from '../../telemetry/tracing.js';
import type { Extra } from './peers.js';

/**
 * Runs a downstream request's handler inside its SERVER span (per the MCP conventions: named
 * "{mcp.method.name} {target}", continuing the client's trace from `_meta` or the HTTP `traceparent`);
 * `body` gets the span's context, the parent of everything the request causes. Without tracing it is a
 * plain call.
 */
export function traced<T>(
  tracing: Tracing,
  server: Server,
  ctx: Extra,
  target: string | undefined,
  body: (trace?: Context) => T | Promise<T>,
): T | Promise<T> {
  if (!tracing.enabled) return body();
  const attributes: Attributes = {
    'jsonrpc.request.id': String(ctx.mcpReq.id),
    'network.transport': 'tcp',
    'network.protocol.name': 'http',
  };
  if (ctx.sessionId) attributes['mcp.session.id'] = ctx.sessionId;
  const envelope = ctx.mcpReq.envelope as Record<string, unknown> | undefined;
  const version = envelope?.[PROTOCOL_VERSION_META_KEY] ?? server.getNegotiatedProtocolVersion();
  if (typeof version === 'string') attributes['mcp.protocol.version'] = version;
  const scope = tracing.server(
    { method: ctx.mcpReq.method, target, attributes },
    ctx.mcpReq._meta,
    ctx.http?.req?.headers,
  );
  if (!scope) return body();
  return tracing.run(scope.context, async () => {
    try {
      const result = await body(scope.context);
      tracing.end(scope.span, isToolError(result) ? 'tool_error' : undefined);
      return result;
    } catch (err) {
      tracing.end(scope.span, errorTypeOf(err), err instanceof Error ? err.message : String(err));
      throw err;
    }
  });
}
