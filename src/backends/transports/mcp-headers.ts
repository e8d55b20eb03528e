import { PROTOCOL_VERSION_META_KEY, type JSONRPCMessage } from '@modelcontextprotocol/client';

/**
 * The 2026-07-28 request headers that mirror the body, as the SDK's own client transport derives them (its
 * helpers are internal): which param `Mcp-Name` carries per method, and how a value becomes a header value.
 */

/** The first protocol revision of the per-request era. */
const FIRST_MODERN_VERSION = '2026-07-28';

/** The body field whose value `Mcp-Name` carries, per method. */
export const MCP_NAME_SOURCE: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

/** Whether a protocol version belongs to the per-request (2026-07-28 and later) era. */
export function isModernVersion(version: string): boolean {
  return version >= FIRST_MODERN_VERSION;
}

const PREFIX = '=?base64?';
const SUFFIX = '?=';

function needsBase64(s: string): boolean {
  if (s.length === 0 || s !== s.trim()) return true;
  if (s.startsWith(PREFIX) && s.endsWith(SUFFIX)) return true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126) return true;
  }
  return false;
}

/**
 * A value as an HTTP field value: printable ASCII without edge spaces as is; anything else (tabs, controls,
 * non-ASCII, the empty string) as `=?base64?<utf-8 base64>?=`.
 */
export function encodeHeaderValue(value: string): string {
  return needsBase64(value) ? `${PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SUFFIX}` : value;
}

/** Property names a tool's schema may give as `x-mcp-header` (an HTTP token: the header is `Mcp-Param-<name>`). */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * The `Mcp-Param-*` headers of a 2026-07-28 tools/call: each top-level property of the tool's input schema
 * annotated with `x-mcp-header` whose argument is a string, number or boolean, mirrored into its header.
 * Null or absent arguments send no header; an invalid annotation sends none either.
 */
export function paramHeaders(
  inputSchema: Record<string, unknown> | undefined,
  args: Record<string, unknown> | undefined,
): Record<string, string> {
  const props = inputSchema?.properties;
  const out: Record<string, string> = {};
  if (!args || typeof props !== 'object' || props === null) return out;
  for (const [prop, schema] of Object.entries(props as Record<string, unknown>)) {
    const name = (schema as { 'x-mcp-header'?: unknown } | null)?.['x-mcp-header'];
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) continue;
    const value = args[prop];
    if (typeof value === 'string') out[`mcp-param-${name}`] = encodeHeaderValue(value);
    else if (typeof value === 'number' || typeof value === 'boolean') {
      out[`mcp-param-${name}`] = encodeHeaderValue(String(value));
    }
  }
  return out;
}

/** The `Mcp-Param-*` headers of a 2026-07-28 tools/call to one of `tools` (undefined when there are none). */
export function toolCallHeaders(
  tools: { name: string; inputSchema?: Record<string, unknown> }[],
  method: string,
  params: Record<string, unknown> | undefined,
): Record<string, string> | undefined {
  if (method !== 'tools/call') return undefined;
  const tool = tools.find((t) => t.name === params?.name);
  const headers = paramHeaders(tool?.inputSchema, params?.arguments as Record<string, unknown> | undefined);
  return Object.keys(headers).length > 0 ? headers : undefined;
}

/**
 * The headers the body implies: `Mcp-Method` on every request and notification (2026-07-28 clients send it on
 * every POST; older servers ignore it), `Mcp-Name` for methods that name a target, and `MCP-Protocol-Version`
 * when the message's own `_meta` claims a version (the 2026-07-28 revision requires the headers to mirror it).
 */
export function bodyDerived(
  message: JSONRPCMessage,
): { headers: Record<string, string>; modern: boolean } | undefined {
  if (!('method' in message)) return undefined;
  const params = (message as { params?: Record<string, unknown> }).params;
  const version = (params?._meta as Record<string, unknown> | undefined)?.[PROTOCOL_VERSION_META_KEY];
  const out: Record<string, string> = { 'mcp-method': message.method };
  if (typeof version === 'string') out['mcp-protocol-version'] = version;
  const field = Object.hasOwn(MCP_NAME_SOURCE, message.method) ? MCP_NAME_SOURCE[message.method] : undefined;
  const value = field === undefined ? undefined : params?.[field];
  if (typeof value === 'string') out['mcp-name'] = encodeHeaderValue(value);
  return { headers: out, modern: typeof version === 'string' && isModernVersion(version) };
}
