/**
 * The one way a request goes upstream, whoever's session it goes on: the backend's shared connection (or its
 * 2025 companion), or a downstream session's own (`session_mode: per_client`).
 */
import type { Client, InputRequiredResult } from '@modelcontextprotocol/client';
import type { z } from 'zod';
import { GatewayError } from '../../errors.js';
import type { UpstreamTokens } from '../oauth/tokens.js';
import type { Origin } from '../relay/origin.js';
import { relayedSubset } from '../relay/relay.js';
import { toolCallHeaders } from '../transports/mcp-headers.js';
import type { Era } from './era.js';
import { requestFailure } from './request-failure.js';
import { requestInEra, type EraRequest, type UpstreamRequestOptions } from './upstream-request.js';
import { credentialRefused, sessionExpired } from './upstream-errors.js';

/** One upstream session as a request is sent on it. */
export interface UpstreamSession {
  client: Client;
  era: Era | undefined;
  /** Runs the request with its origin remembered, so what the upstream asks mid-call reaches that client. */
  track<T>(origin: Origin | undefined, run: () => Promise<T>): Promise<T>;
  /** A 2026-07-28 connection's `resources/(un)subscribe`, kept as the URI set of its listen stream. */
  resubscribe(method: string, params: Record<string, unknown> | undefined): void;
  /** The request succeeded (state to replay on a new connection is recorded). */
  sent(method: string, params: Record<string, unknown> | undefined): void;
  /** The upstream forgot this session: replace it (saying so in the log), so that the request can be sent once more. */
  renew(): Promise<void>;
  /**
   * The upstream refused the credential the request carried (HTTP 401; sessions acting as a user): forgets it,
   * and gives the error to answer, or undefined when the request may go once more with a new one (`again`:
   * it already went twice).
   */
  refused?(again: boolean): Promise<GatewayError | undefined>;
  /** The connection is known to be broken: drop it, saying why. */
  drop(reason: string): void;
  /** The request is over, whatever its outcome. */
  release(): void;
}

/** The backend a request is sent for. */
export interface SendTarget {
  backend: string;
  /** The request timeout when the caller sets none (the backend's request_timeout). */
  timeoutMs: number;
  /** Its tools, for a 2026-07-28 tools/call's `Mcp-Param-*` headers. */
  tools: Parameters<typeof toolCallHeaders>[0];
  tokens?: UpstreamTokens;
}

/**
 * Sends one request on the session `open` gives, in the session's era; a failure becomes the caller's error
 * (`requestFailure`, the connection dropped when known broken); an upstream that forgot the session gets a
 * new one and the request once more (it was not processed, so this is safe).
 */
export async function sendUpstream<S extends z.ZodType>(
  target: SendTarget,
  open: () => Promise<UpstreamSession>,
  method: string,
  params: Record<string, unknown> | undefined,
  schema: S,
  opts: UpstreamRequestOptions,
  retried = false,
): Promise<z.infer<S>> {
  const timeoutMs = opts.timeoutMs ?? target.timeoutMs;
  if (opts.resume && opts.resume.backend !== target.backend) {
    throw new GatewayError(
      'invalid_arguments',
      `requestState was issued for backend "${opts.resume.backend}", not "${target.backend}"; start the request again`,
      target.backend,
    );
  }
  const session = await open();
  try {
    const request: EraRequest = {
      method,
      params,
      logLevel: opts.origin?.logLevel(),
      clientCapabilities: opts.origin && relayedSubset(opts.origin.capabilities()),
      resume: opts.resume,
      relay: opts.relay,
      options: {
        signal: opts.signal,
        timeout: timeoutMs,
        onprogress: opts.onprogress,
        resetTimeoutOnProgress: opts.onprogress !== undefined,
        headers: session.era === 'modern' ? toolCallHeaders(target.tools, method, params) : undefined,
      },
    };
    const result = (await session.track(opts.origin, () =>
      requestInEra(session.client, session.era, session.resubscribe, request, schema),
    )) as z.infer<S> | InputRequiredResult;
    session.sent(method, params);
    return result as z.infer<S>;
  } catch (err) {
    const aborted = opts.signal?.aborted === true;
    if (!retried && !aborted && sessionExpired(err)) {
      await session.renew();
      return await sendUpstream(target, open, method, params, schema, opts, true);
    }
    if (session.refused && !aborted && credentialRefused(err)) {
      const refusal = await session.refused(retried);
      if (refusal) throw refusal;
      return await sendUpstream(target, open, method, params, schema, opts, true);
    }
    const failure = requestFailure(err, {
      backend: target.backend,
      method,
      timeoutMs,
      aborted,
      tokens: target.tokens,
    });
    if (failure.drop) session.drop(failure.drop);
    throw failure.error;
  } finally {
    session.release();
  }
}
