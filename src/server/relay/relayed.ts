import {
  inputRequired,
  isInputRequiredResult,
  UrlElicitationRequiredError,
} from '@modelcontextprotocol/server';
import type { InputRequiredResult } from '@modelcontextprotocol/server';
import type { Context } from '@opentelemetry/api';
import type { UpstreamRequestOptions } from '../../backends/backend.js';
import type { Origin } from '../../backends/relay/origin.js';
import type { Dispatcher } from '../../dispatch/dispatch.js';
import { ConnectRequired, GatewayError } from '../../errors.js';
import { log } from '../../log.js';
import { ParkedCall, type InputBridge } from './input-bridge.js';
import type { Extra, Peer } from './peers.js';
import type { RequestStateCodec, StateBinding } from './request-state.js';
import { principalOf } from '../../principal.js';

/** The `_meta` of a downstream request, as far as relaying needs it. */
export type Meta = { progressToken?: string | number } | undefined;
/** Upstream request options with the origin always set. */
export type RelayedOptions = UpstreamRequestOptions & { origin: Origin };

/** What multi-round-trip (`input_required`) relaying needs: the state seal and the parked calls. */
export interface InputSupport {
  codec: RequestStateCodec;
  bridge: InputBridge;
}

/**
 * Upstream request options for a downstream request: its abort signal, its origin (for server-to-client
 * requests and per-client sessions), and progress relayed with the client's own token.
 */
export function upstreamOptions(
  peer: Peer,
  extra: Extra,
  meta: Meta,
  parked?: ParkedCall<unknown>,
  trace?: Context,
): RelayedOptions {
  const token = meta?.progressToken;
  const origin = peer.origin(extra, parked, trace);
  const opts: RelayedOptions = { signal: extra.mcpReq.signal, origin, ...(trace && { trace }) };
  if (token !== undefined) {
    opts.onprogress = (p) => void origin.notify('notifications/progress', { ...p, progressToken: token });
  }
  return opts;
}

/** Runs a handler body, turning GatewayErrors into JSON-RPC errors with code and backend. */
export async function guarded<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    throw err instanceof GatewayError ? err.toProtocolError() : err;
  }
}

/** The principal a request state is bound to: the authenticated client (gateway.auth), or empty without it. */
function principalOfExtra(extra: Extra): string {
  return principalOf(extra.http?.authInfo);
}

/** One request relayed by relayWithInput: who asked, through what, and what the sealed state is bound to. */
export interface InputRelay {
  support: InputSupport;
  dispatch: Dispatcher;
  peer: Peer;
  extra: Extra;
  meta: Meta;
  /** The method and target a sealed requestState is bound to (the principal is added from `extra`). */
  binding: Omit<StateBinding, 'principal'>;
  /** The request's server span context, if tracing. */
  trace?: Context;
}

/**
 * Relays a request whose answer may need the client's input mid-call (tools/call, prompts/get,
 * resources/read), across protocol eras:
 * - a 2026-07-28 upstream's `input_required` goes to the client with its requestState sealed (HMAC, bound to
 *   the request and principal, expiring); a 2025 session client gets it as ordinary server-to-client
 *   requests from the SDK's legacy shim, a 2026 client retries with the answers, and both come back here;
 * - a 2025-era upstream that asks a 2026-07-28 client something mid-call gets its answer through a parked
 *   call (see InputBridge).
 */
export async function relayWithInput<T extends object>(
  relayed: InputRelay,
  run: (opts: RelayedOptions) => Promise<T>,
): Promise<T | InputRequiredResult> {
  const bound: StateBinding = { ...relayed.binding, principal: principalOfExtra(relayed.extra) };
  try {
    return await relayAcrossEras(relayed, bound, run);
  } catch (err) {
    if (err instanceof ConnectRequired) return askToConnect(err, relayed, bound);
    throw err;
  }
}

/**
 * Asks the user to open the connect page, as the client's era allows: a 2026-07-28 request gets
 * `input_required` with a URL-mode elicitation (its retry runs afresh); a 2025-11-25 client that declared
 * `elicitation.url` gets URLElicitationRequiredError (-32042); any other client gets -32007 naming the page.
 */
function askToConnect(err: ConnectRequired, relayed: InputRelay, bound: StateBinding): InputRequiredResult {
  const { url, elicitationId, message } = err.elicitation;
  const capabilities = relayed.peer.origin(relayed.extra).capabilities();
  if (!capabilities?.elicitation?.url) throw err.toProtocolError();
  if (!relayed.peer.perRequest) {
    throw new UrlElicitationRequiredError(
      [{ mode: 'url', url, elicitationId, message }],
      `${message}: open ${url}`,
    );
  }
  return inputRequired({
    inputRequests: { connect: inputRequired.elicitUrl({ message, url }) },
    requestState: relayed.support.codec.mint({ kind: 'connect' }, bound),
  });
}

async function relayAcrossEras<T extends object>(
  relayed: InputRelay,
  bound: StateBinding,
  run: (opts: RelayedOptions) => Promise<T>,
  afresh = false,
): Promise<T | InputRequiredResult> {
  const { support, dispatch, peer, extra, meta, binding, trace } = relayed;
  const seal = (nonce: string) => support.codec.mint({ kind: 'parked', nonce }, bound);
  const relay = async (opts: RelayedOptions): Promise<T | InputRequiredResult> => {
    const result = await run(opts);
    if (!isInputRequiredResult(result)) return result;
    const backend = dispatch.owner(binding.method as 'tools/call', binding.target) ?? '';
    const state = support.codec.mint({ kind: 'upstream', backend, state: result.requestState }, bound);
    return inputRequired({
      ...(result.inputRequests && { inputRequests: result.inputRequests }),
      requestState: state,
    });
  };

  const raw = afresh ? undefined : extra.mcpReq.requestState<unknown>();
  let resume: UpstreamRequestOptions['resume'];
  if (raw !== undefined) {
    if (typeof raw !== 'string')
      throw new GatewayError('invalid_request_state', 'Invalid requestState: not a string');
    let state: ReturnType<RequestStateCodec['open']>;
    try {
      state = support.codec.open(raw, bound);
    } catch (err) {
      log.warn(
        { method: binding.method, target: binding.target, err: (err as Error).message },
        'requestState refused',
      );
      throw err;
    }
    if (state.kind === 'parked')
      return support.bridge.resume<T>(state.nonce, extra, extra.mcpReq.inputResponses, seal);
    // Retried after the user was asked to connect: run as new, nothing of it waits anywhere.
    if (state.kind === 'connect') return relayAcrossEras(relayed, bound, run, true);
    resume = {
      backend: state.backend,
      requestState: state.state,
      inputResponses: extra.mcpReq.inputResponses,
    };
  } else if (!afresh && extra.mcpReq.inputResponses !== undefined) {
    // Answers without a requestState (a stateless upstream needs none) go to the backend that serves the target.
    const backend = dispatch.owner(binding.method as 'tools/call', binding.target);
    if (backend) resume = { backend, inputResponses: extra.mcpReq.inputResponses };
  }

  if (!peer.perRequest) {
    const opts = { ...upstreamOptions(peer, extra, meta, undefined, trace), resume };
    try {
      return await relay(opts);
    } finally {
      await opts.origin.settled();
    }
  }
  peer.levelFrom(extra);
  const call = new ParkedCall<T | InputRequiredResult>();
  const opts = { ...upstreamOptions(peer, extra, meta, call as ParkedCall<unknown>, trace), resume };
  call.start(async (signal) => {
    try {
      return await relay({ ...opts, signal });
    } finally {
      await opts.origin.settled();
      // A 2026 request has no session: per-client upstream sessions it opened end with the call.
      void dispatch.sessionClosed(opts.origin.sessionId);
    }
  });
  return support.bridge.drive(call, extra, seal);
}
