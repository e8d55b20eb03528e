/** What a failed request to a shared upstream connection means for the caller and for the connection. */
import { fromUpstream, GatewayError } from '../../errors.js';
import { oauthFailure, type UpstreamTokens } from '../oauth/tokens.js';
import { describeCause, unreachable } from './upstream-errors.js';

/** The request that failed, as the classification needs it. */
export interface FailedRequest {
  backend: string;
  method: string;
  timeoutMs: number;
  /** The client cancelled it (the SDK has already told the upstream). */
  aborted: boolean;
  tokens?: UpstreamTokens;
}

/** The error the caller gets and, when the connection is known to be broken, why it must be dropped. */
export function requestFailure(err: unknown, req: FailedRequest): { error: GatewayError; drop?: string } {
  const { backend, method } = req;
  if (req.aborted) {
    return {
      error: new GatewayError('cancelled', `${method} on backend "${backend}" was cancelled`, backend),
    };
  }
  const authFailure = oauthFailure(err, req.tokens);
  if (authFailure) {
    // No usable token, no calls: the backend is down until a reconnect gets one.
    const message = `backend "${backend}" is down (${authFailure})`;
    return { error: new GatewayError('backend_unavailable', message, backend), drop: authFailure };
  }
  if (unreachable(err)) {
    const cause = describeCause(err);
    const message = `backend "${backend}" is unreachable (${cause}); reconnecting`;
    return {
      error: new GatewayError('backend_unavailable', message, backend),
      drop: `upstream unreachable: ${cause}`,
    };
  }
  return { error: fromUpstream(err, backend, method, req.timeoutMs) };
}
