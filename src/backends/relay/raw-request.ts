/**
 * The upstream half of the relay path (`gateway.relay_path`): a plain 2025-era request written to the SDK
 * client's transport by the gateway itself and its answer taken off the transport before the client's
 * dispatch, which would check the envelope with a zod parse, keep a handler, a timer and a progress entry,
 * and decode the result through its codec. What the answer means is decided as the SDK decides it: a result
 * is checked against the caller's schema, an error becomes the SDK's `ProtocolError`, a timeout or a cancel
 * sends `notifications/cancelled` and fails with the SDK's `SdkError`, a closed connection fails what is
 * pending with `ConnectionClosed`. Anything the upstream sends besides these answers (requests to the
 * client, notifications) still goes to the SDK client.
 */
import { ProtocolError, SdkError, SdkErrorCode } from '@modelcontextprotocol/client';
import type { Client, JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import type { z } from 'zod';

/** Ids of relayed requests start here, far above the SDK's own counter (from 0), so the two never meet. */
const FIRST_ID = 2 ** 40;

interface Pending {
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/** What a relayed request takes of the SDK's request options. */
export interface RawOptions {
  signal?: AbortSignal;
  timeout?: number;
}

const channels = new WeakMap<Transport, RawChannel>();

/** Requests this process sent on the relay path, and answers taken off a transport for them. */
export const rawCounts = { sent: 0, answered: 0 };

/** Requests relayed on one transport, and the answers to them taken off it. */
class RawChannel {
  private readonly pending = new Map<number, Pending>();
  private next = FIRST_ID;

  private onmessage?: Transport['onmessage'];
  private onclose?: Transport['onclose'];

  constructor(
    private readonly client: Client,
    private readonly transport: Transport,
  ) {}

  /** Puts the channel in front of the client's handlers on the transport, again if a connect replaced them. */
  ensure(): void {
    const t = this.transport;
    if (t.onmessage !== this.onmessage) {
      const sdkMessage = t.onmessage;
      this.onmessage = (message, extra) => {
        if (!this.answer(message)) sdkMessage?.(message, extra);
      };
      t.onmessage = this.onmessage;
    }
    if (t.onclose !== this.onclose) {
      const sdkClose = t.onclose;
      this.onclose = () => {
        this.closed();
        sdkClose?.();
      };
      t.onclose = this.onclose;
    }
  }

  request<S extends z.ZodType>(
    method: string,
    params: Record<string, unknown> | undefined,
    schema: S,
    options: RawOptions,
  ): Promise<z.infer<S>> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(cancelError(signal.reason));
    const id = this.next++;
    rawCounts.sent++;
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const done = () => {
      this.pending.delete(id);
      clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    };
    return new Promise<z.infer<S>>((resolve, reject) => {
      const cancel = (reason: unknown) => {
        if (!this.pending.has(id)) return;
        done();
        const notice = { jsonrpc: '2.0', method: 'notifications/cancelled' } as const;
        const message = { ...notice, params: { requestId: id, reason: String(reason) } };
        this.transport.send(this.envelope(message)).catch(() => undefined);
        reject(cancelError(reason));
      };
      this.pending.set(id, {
        resolve: (result) => {
          done();
          const parsed = schema.safeParse(result);
          if (parsed.success) resolve(parsed.data);
          else {
            const why = parsed.error.issues.map(formatIssue).join(', ');
            reject(new SdkError(SdkErrorCode.InvalidResult, `Invalid result for ${method}: ${why}`));
          }
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
      if (signal) {
        onAbort = () => cancel(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      const timeout = options.timeout ?? 60_000;
      timer = setTimeout(
        () => cancel(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out', { timeout })),
        timeout,
      );
      const request = { jsonrpc: '2.0', id, method, ...(params !== undefined && { params }) };
      this.transport.send(this.envelope(request as JSONRPCMessage)).catch((error: unknown) => {
        if (!this.pending.has(id)) return;
        done();
        reject(error);
      });
    });
  }

  /** The client's own outbound envelope (none on a 2025-era connection), as it would add it. */
  private envelope(message: object): JSONRPCMessage {
    const own = (this.client as unknown as { _envelopeOutbound?: (m: object) => object })._envelopeOutbound;
    return (own ? own.call(this.client, message) : message) as JSONRPCMessage;
  }

  /** Settles a relayed request with its answer; false = not one of ours, for the SDK client. */
  private answer(message: JSONRPCMessage): boolean {
    const m = message as { id?: unknown; method?: unknown; result?: unknown; error?: unknown };
    // An upstream that echoes the id as a string is answered as the SDK client answers it (it takes Number(id)).
    const id = typeof m.id === 'string' ? Number(m.id) : m.id;
    if (typeof id !== 'number' || !(id >= FIRST_ID) || m.method !== undefined) return false;
    const pending = this.pending.get(id);
    if (!pending) return false;
    rawCounts.answered++;
    if (isObject(m.result)) {
      // A 2025-era answer carrying a 2026 `resultType` has it stripped, as the SDK's 2025 codec does.
      if ('resultType' in m.result) {
        const { resultType: _dropped, ...rest } = m.result;
        pending.resolve(rest);
      } else pending.resolve(m.result);
    } else if (isObject(m.error)) {
      const e = m.error as { code: number; message: string; data?: unknown };
      pending.reject(ProtocolError.fromError(e.code, e.message, e.data));
    } else return false;
    return true;
  }

  /** The connection closed: every pending request fails as the SDK fails its own. */
  private closed(): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed'));
    channels.delete(this.transport);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A schema issue as the SDK words it in an invalid-result error. */
function formatIssue(issue: { path: PropertyKey[]; message: string }): string {
  if (!issue.path.length) return issue.message;
  return `${issue.path.map(String).join('.')}: ${issue.message}`;
}

function cancelError(reason: unknown): SdkError {
  return reason instanceof SdkError ? reason : new SdkError(SdkErrorCode.RequestTimeout, String(reason));
}

/** Sends a request on the client's connection the relay path's way (see the module comment). */
export function rawRequest<S extends z.ZodType>(
  client: Client,
  method: string,
  params: Record<string, unknown> | undefined,
  schema: S,
  options: RawOptions,
): Promise<z.infer<S>> {
  const transport = client.transport;
  if (!transport) return Promise.reject(new SdkError(SdkErrorCode.NotConnected, 'Not connected'));
  let channel = channels.get(transport);
  if (!channel) {
    channel = new RawChannel(client, transport);
    channels.set(transport, channel);
  }
  channel.ensure();
  return channel.request(method, params, schema, options);
}
