import type { JSONRPCMessage } from '@modelcontextprotocol/server';

/** What a JSON-RPC 2.0 message is, from its shape alone; undefined = not a JSON-RPC message. */
export type MessageKind = 'request' | 'notification' | 'response';

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function only(message: Record<string, unknown>, keys: ReadonlySet<string>): boolean {
  for (const key in message) if (!keys.has(key)) return false;
  return true;
}

const REQUEST_KEYS = new Set(['jsonrpc', 'id', 'method', 'params']);
const RESULT_KEYS = new Set(['jsonrpc', 'id', 'result']);
const ERROR_KEYS = new Set(['jsonrpc', 'id', 'error']);

function isId(value: unknown): boolean {
  return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));
}

/**
 * Classifies a message by the envelope rules of the SDK's `JSONRPCMessageSchema` (version, id, method, params
 * an object, result an object, error with an integer code and a message, no other keys) without running zod
 * on every message: the SDK server validates each request's params against its method's schema afterwards.
 */
export function kindOf(message: JSONRPCMessage | unknown): MessageKind | undefined {
  if (!isObject(message) || message.jsonrpc !== '2.0') return undefined;
  if (typeof message.method === 'string') {
    if (!only(message, REQUEST_KEYS)) return undefined;
    if (message.params !== undefined && !isObject(message.params)) return undefined;
    if (!('id' in message)) return 'notification';
    return isId(message.id) ? 'request' : undefined;
  }
  if ('result' in message) {
    return only(message, RESULT_KEYS) && isId(message.id) && isObject(message.result)
      ? 'response'
      : undefined;
  }
  if ('error' in message) {
    const error = message.error;
    const idOk = only(message, ERROR_KEYS) && (message.id === undefined || isId(message.id));
    const errorOk = isObject(error) && Number.isInteger(error.code) && typeof error.message === 'string';
    return idOk && errorOk ? 'response' : undefined;
  }
  return undefined;
}
