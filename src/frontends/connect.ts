import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import {
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  type JSONRPCMessage,
  type RequestId,
  type Transport,
} from '@modelcontextprotocol/server';
import { StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { log } from '../log.js';

/** Options of `switchboard connect`. */
export interface ConnectOptions {
  /** The running gateway's /mcp URL. */
  url: URL;
  /** Sent as X-API-Key. */
  apiKey?: string;
  /** Sent as `Authorization: Bearer`. */
  token?: string;
  /** Where the client is (default: this process's stdin/stdout). */
  downstream?: Transport;
  /** Called once the bridge has stopped: 0 when the client went away, 1 when the gateway refused or failed. */
  exit?: (code: number) => void;
}

/** The HTTP status and the gateway's own error message of a failed POST, when the SDK kept them. */
function httpFailure(err: unknown): { status?: number; message: string } {
  const e = err as { message?: string; data?: { status?: number; text?: string | null } };
  let message = e.message ?? String(err);
  try {
    const body = JSON.parse(e.data?.text ?? '') as { error?: { message?: string } };
    if (body.error?.message) message = body.error.message;
  } catch {
    // Not a JSON-RPC body: the SDK's message says enough.
  }
  return { status: e.data?.status, message };
}

/**
 * Bridges a stdio MCP client to a running gateway's /mcp (`switchboard connect URL`): every message passes
 * through unchanged both ways, over the SDK's Streamable HTTP client transport with the given credential.
 * A refused credential ends the bridge with one line on stderr; stdout carries only protocol messages.
 */
export async function connectStdio(options: ConnectOptions): Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const headers: Record<string, string> = {};
  if (options.apiKey) headers['x-api-key'] = options.apiKey;
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const down = options.downstream ?? new StdioServerTransport();
  const up = new StreamableHTTPClientTransport(options.url, { requestInit: { headers } });
  const initializing = new Set<RequestId>();

  let stopping: Promise<void> | undefined;
  const stop = (code: number) =>
    (stopping ??= (async () => {
      if (up.sessionId) await up.terminateSession().catch(() => {});
      await up.close().catch(() => {});
      await down.close().catch(() => {});
      exit(code);
    })());

  const failed = (message: JSONRPCMessage, err: unknown) => {
    const { status, message: why } = httpFailure(err);
    if (status === 401 || status === 403) {
      process.stderr.write(
        `switchboard connect: ${options.url.href} refused the credential (HTTP ${status}: ${why})\n`,
      );
      return void stop(1);
    }
    log.warn({ status, err: why }, 'gateway request failed');
    if (isJSONRPCRequest(message)) {
      const error = { code: -32603, message: `switchboard connect: the gateway failed: ${why}` };
      void down.send({ jsonrpc: '2.0', id: message.id, error }).catch(() => {});
    }
  };

  down.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && message.method === 'initialize') initializing.add(message.id);
    up.send(message).catch((err: unknown) => failed(message, err));
  };
  up.onmessage = (message: JSONRPCMessage) => {
    // The SDK client would do this itself; as a pass-through the bridge reads the negotiated version here.
    if (isJSONRPCResultResponse(message) && initializing.delete(message.id)) {
      up.setProtocolVersion(String(message.result.protocolVersion));
    }
    down.send(message).catch((err: unknown) => log.warn({ err: String(err) }, 'client write failed'));
  };
  // Send failures are handled above; this reports the rest (the GET stream).
  up.onerror = (err) => log.debug({ err: String(err) }, 'gateway stream error');
  down.onclose = () => void stop(0);
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));

  await up.start();
  await down.start();
}
