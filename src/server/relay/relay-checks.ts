/**
 * The relay path's fast checks (src/server/relay/relay-path.ts), pure and per method: params the SDK's request
 * schemas (both eras' dispatch schemas) would pass to the handler unchanged, and results the SDK's handler
 * wrapper would return unchanged. Whatever fails a check is left to the SDK, so a check may refuse more than
 * it must but never less.
 */
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
} from '@modelcontextprotocol/server';

/** A JSON object. */
export type Json = Record<string, unknown>;

function isPlain(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The reserved `_meta` keys of the 2026-07-28 request envelope, which the SDK lifts off before dispatch. */
export const ENVELOPE_KEYS: readonly string[] = [
  PROTOCOL_VERSION_META_KEY,
  CLIENT_INFO_META_KEY,
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
];

/** `_meta` holding at most a progress token (a string or a safe integer) and the envelope keys. */
function plainMeta(meta: unknown): boolean {
  if (!isPlain(meta)) return false;
  for (const key in meta) {
    if (ENVELOPE_KEYS.includes(key)) continue;
    if (key !== 'progressToken') return false;
    const token = meta.progressToken;
    if (typeof token !== 'string' && !Number.isSafeInteger(token)) return false;
  }
  return true;
}

/**
 * Whether every key of `params` is one `allowed` accepts (`_meta` always may be plain). Keys absent from
 * `params` are not checked: the caller checks the required ones.
 */
function only(params: Json, allowed: Record<string, (v: unknown) => boolean>): boolean {
  for (const key in params) {
    if (key === '_meta' ? plainMeta(params._meta) : allowed[key]?.(params[key])) continue;
    return false;
  }
  return true;
}

const str = (v: unknown): v is string => typeof v === 'string';
const absentOr = (check: (v: unknown) => boolean) => (v: unknown) => v === undefined || check(v);

/** A record zod parses to an equal object: plain, no `__proto__` key (zod drops it), values as `value` says. */
function record(v: unknown, value: (x: unknown) => boolean): boolean {
  if (!isPlain(v) || Object.hasOwn(v, '__proto__')) return false;
  for (const key in v) if (!value(v[key])) return false;
  return true;
}
const stringRecord = (v: unknown) => record(v, str);
const anyRecord = (v: unknown) => record(v, () => true);

/**
 * `tools/call` params the SDK's schema passes unchanged: a name, object arguments, and at most a progress
 * token (and the 2026-07-28 envelope) in `_meta`; a task, `requestState` or `inputResponses` take the SDK's path.
 */
export function plainCallParams(params: unknown): params is { name: string } & Json {
  return isPlain(params) && str(params.name) && only(params, { name: str, arguments: absentOr(anyRecord) });
}

/** `resources/read` params the SDK's schema passes unchanged: a URI (and `_meta` as for tools/call). */
export function plainReadParams(params: unknown): boolean {
  return isPlain(params) && str(params.uri) && only(params, { uri: str });
}

/** `prompts/get` params the SDK's schema passes unchanged: a name and string arguments. */
export function plainPromptParams(params: unknown): boolean {
  return (
    isPlain(params) && str(params.name) && only(params, { name: str, arguments: absentOr(stringRecord) })
  );
}

const promptRef = (v: unknown) =>
  isPlain(v) && v.type === 'ref/prompt' && str(v.name) && only(v, { type: str, name: str });
const resourceRef = (v: unknown) =>
  isPlain(v) && v.type === 'ref/resource' && str(v.uri) && only(v, { type: str, uri: str });
const argument = (v: unknown) =>
  isPlain(v) && str(v.name) && str(v.value) && only(v, { name: str, value: str });
const context = (v: unknown) => isPlain(v) && only(v, { arguments: absentOr(stringRecord) });

/** `completion/complete` params the SDK's schema passes unchanged: a prompt or template ref, an argument, a context. */
export function plainCompleteParams(params: unknown): boolean {
  return (
    isPlain(params) &&
    (promptRef(params.ref) || resourceRef(params.ref)) &&
    argument(params.argument) &&
    only(params, {
      ref: () => true,
      argument: () => true,
      context: absentOr(context),
    })
  );
}

/**
 * A `tools/call` result the SDK's result schemas (both eras) would pass as it is: only text content blocks of
 * exactly `type` and `text`, and `isError` a boolean. Anything else is validated by the SDK itself.
 */
export function plainTextResult(result: unknown): boolean {
  if (!isPlain(result) || !Array.isArray(result.content)) return false;
  for (const key in result) {
    if (key === 'content') continue;
    if (key === 'isError' && typeof result.isError === 'boolean') continue;
    return false;
  }
  for (const block of result.content as unknown[]) {
    if (!isPlain(block) || block.type !== 'text' || typeof block.text !== 'string') return false;
    for (const key in block) if (key !== 'type' && key !== 'text') return false;
  }
  return true;
}

/**
 * A `resources/read`, `prompts/get` or `completion/complete` result the SDK's wrapper returns as it is: the SDK
 * validates no result of these methods, it only takes `input_required` ones to its multi-round-trip seam (the
 * legacy shim for a 2025 client), so any other object passes.
 */
export function completeResult(result: unknown): boolean {
  return isPlain(result) && result.resultType === undefined;
}
