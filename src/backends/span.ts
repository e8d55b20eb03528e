import type { BackendSpec } from '../config/model.js';
import type { McpSpanInfo } from '../telemetry/tracing.js';

/** The client span of an upstream request to a backend, per the MCP semantic conventions. */
export function upstreamSpan(
  backend: { name: string; spec: BackendSpec; era: { version?: string } },
  method: string,
  params: Record<string, unknown> | undefined,
): McpSpanInfo {
  const target = method === 'tools/call' || method === 'prompts/get' ? params?.name : undefined;
  const attributes: McpSpanInfo['attributes'] = {
    'mcp.backend': backend.name,
    'network.transport': backend.spec.kind === 'stdio' ? 'pipe' : 'tcp',
  };
  if (backend.spec.kind !== 'stdio') {
    attributes['network.protocol.name'] = 'http';
    const url = new URL(backend.spec.url);
    attributes['server.address'] = url.hostname;
    attributes['server.port'] = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  }
  if (backend.era.version) attributes['mcp.protocol.version'] = backend.era.version;
  if (method === 'resources/read' && typeof params?.uri === 'string')
    attributes['mcp.resource.uri'] = params.uri;
  return { method, target: typeof target === 'string' ? target : undefined, attributes };
}
