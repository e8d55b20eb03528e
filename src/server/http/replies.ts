/** Small pieces every HTTP entry point shares: the request's credentials and a JSON-RPC error answer. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Response } from 'express';

/** The credentials the auth gate attached to a request, if any. */
export function authOf(req: IncomingMessage): AuthInfo | undefined {
  return (req as IncomingMessage & { auth?: AuthInfo }).auth;
}

const errorBody = (code: number, message: string, id: unknown) => ({
  jsonrpc: '2.0',
  error: { code, message },
  id,
});

/**
 * Answers an express request with `status` and a JSON-RPC error (`id` null unless the request's id is known),
 * through `res.json`, so the REST frontend's gates can turn the refusal into a problem document.
 */
export function rpcError(
  res: Response,
  status: number,
  code: number,
  message: string,
  id: unknown = null,
): void {
  res.status(status).json(errorBody(code, message, id));
}

/** The same answer on a plain Node response, in one write with its length. */
export function rawRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  const body = JSON.stringify(errorBody(code, message, null));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
