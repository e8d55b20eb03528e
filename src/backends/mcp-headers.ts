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
    if (c !== 9 && (c < 32 || c > 126)) return true;
  }
  return false;
}

/** A value as an HTTP field value: safe printable ASCII as is, anything else as `=?base64?<utf-8 base64>?=`. */
export function encodeHeaderValue(value: string): string {
  return needsBase64(value) ? `${PREFIX}${Buffer.from(value, 'utf8').toString('base64')}${SUFFIX}` : value;
}
