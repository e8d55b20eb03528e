import {
  CLIENT_CAPABILITIES_META_KEY,
  LOG_LEVEL_META_KEY,
  withInputRequired,
} from '@modelcontextprotocol/client';
import type {
  Client,
  ClientCapabilities,
  InputRequiredResult,
  LoggingLevel,
  RequestOptions,
} from '@modelcontextprotocol/client';
import type { z } from 'zod';
import type { Context } from '@opentelemetry/api';
import type { CallTiming } from '../../telemetry/recorder.js';
import type { Era } from './era.js';
import type { Origin } from '../relay/origin.js';
import { rawRequest } from '../relay/raw-request.js';

/** Methods whose 2026-07-28 answer may be `input_required` (an embedded request for the client). */
const MAY_NEED_INPUT = new Set(['tools/call', 'prompts/get', 'resources/read']);

/** The answers a client gave to an `input_required` result, sent back upstream with the retried request. */
export interface Resume {
  inputResponses?: Record<string, unknown>;
  requestState?: string;
}

/** Options for one request to an upstream. */
export interface UpstreamRequestOptions {
  signal?: AbortSignal;
  onprogress?: RequestOptions['onprogress'];
  timeoutMs?: number;
  /** The downstream request this one serves: routes per-client sessions and server-to-client requests. */
  origin?: Origin;
  /** The client's answers to an earlier `input_required` from this backend, for a resumed request. */
  resume?: Resume & { backend: string };
  /** The trace context to parent the upstream request's span on (default: the active context). */
  trace?: Context;
  /** Upstream and queue seconds are added here, so the caller can tell its own time from theirs. */
  timing?: CallTiming;
  /** May go on the relay path (`gateway.relay_path`): written to a 2025-era connection without the SDK client. */
  relay?: boolean;
}

/** One request as the backend sends it, whatever the connection's era. */
export interface EraRequest {
  method: string;
  params: Record<string, unknown> | undefined;
  options: Pick<RequestOptions, 'signal' | 'timeout' | 'onprogress' | 'resetTimeoutOnProgress' | 'headers'>;
  /** The level the downstream client asked for; a 2026 upstream gets it on each request. */
  logLevel?: LoggingLevel;
  /** Retry fields of a resumed multi-round-trip request. */
  resume?: Resume;
  /**
   * What the downstream client declared it can answer; a 2026 upstream gets it in each request's `_meta`, so
   * it asks only for input the caller can give and refuses what needs a capability the caller lacks. Unset
   * (no downstream client): the gateway's own declaration.
   */
  clientCapabilities?: ClientCapabilities;
  /** May go on the relay path (a 2025-era connection, no progress wanted: see `rawRequest`). */
  relay?: boolean;
}

/**
 * Sends a request on an upstream connection in its era. On a 2026-07-28 connection there is no session state:
 * the log level and the caller's client capabilities travel in each request's `_meta`, `resources/(un)subscribe` become the URI set of one
 * `subscriptions/listen` stream (reopened in the background by `resubscribe`), and calls may answer `input_required`, which is returned as it is.
 */
export async function requestInEra<S extends z.ZodType>(
  client: Client,
  era: Era | undefined,
  resubscribe: (method: string, params: Record<string, unknown> | undefined) => void,
  req: EraRequest,
  schema: S,
): Promise<z.infer<S> | InputRequiredResult> {
  const { method } = req;
  if (era !== 'modern') {
    if (req.relay && !req.options.onprogress && !req.options.headers)
      return rawRequest(client, method, req.params, schema, req.options);
    return client.request({ method, params: req.params } as never, schema, req.options) as Promise<
      z.infer<S>
    >;
  }
  if (method === 'logging/setLevel') return {} as z.infer<S>;
  if (method === 'resources/subscribe' || method === 'resources/unsubscribe') {
    resubscribe(method, req.params);
    return {} as z.infer<S>;
  }
  let params = req.params ?? {};
  if (req.logLevel || req.clientCapabilities) {
    const meta = (params._meta ?? {}) as Record<string, unknown>;
    params = {
      ...params,
      _meta: {
        ...(req.logLevel && { [LOG_LEVEL_META_KEY]: req.logLevel }),
        ...(req.clientCapabilities && { [CLIENT_CAPABILITIES_META_KEY]: req.clientCapabilities }),
        ...meta,
      },
    };
  }
  if (req.resume) params = { ...params, ...req.resume };
  if (!MAY_NEED_INPUT.has(method)) {
    return client.request({ method, params } as never, schema, req.options) as Promise<z.infer<S>>;
  }
  return client.request({ method, params } as never, withInputRequired(schema), {
    ...req.options,
    allowInputRequired: true,
  }) as Promise<z.infer<S> | InputRequiredResult>;
}
