/** How a backend that acts as each user authenticates each caller's own upstream session. */
import { GatewayError } from '../../errors.js';
import { OAuthTokenError } from '../oauth/errors.js';
import type { Caller, Origin } from '../relay/origin.js';
import type { UserConnections } from './connections.js';
import type { TokenExchange } from './token-exchange.js';
import {
  MissingUserSecretError,
  secretHeaders,
  type SecretPlacement,
  type UserSecretSource,
} from './user-secrets.js';

/** A caller's upstream identity: the key of its upstream session, and the headers its requests carry now. */
export interface UserCredential {
  principal: string;
  headers: Record<string, string>;
  /**
   * The upstream refused this credential (HTTP 401): forgets it, so that the next request obtains a new one.
   * Absent where a new one cannot differ (a personal secret is what it is).
   */
  refused?(): Promise<void>;
}

/** Where a per-user backend gets each caller's upstream credential. */
export interface UserAuth {
  /** The caller's credential; a GatewayError (`user_credentials`) naming the backend when there is none. */
  /** `origin` is where the request came from (a mode that asks the user something answers through it). */
  credential(caller: Caller | undefined, origin?: Origin): Promise<UserCredential>;
  /** The users' connections (GET/DELETE /v1/me/connections); grant-based modes may leave it to the grant store. */
  connections?: UserConnections;
}

/**
 * `auth: token_exchange`: the caller's validated bearer token is exchanged (RFC 8693) for one scoped to the
 * upstream, sent as `Authorization: Bearer`; the caller's own token never goes upstream.
 */
export function exchangedBearer(backend: string, exchange: TokenExchange): UserAuth {
  const refuse = (why: string) =>
    new GatewayError('user_credentials', `backend "${backend}" ${why}`, backend);
  return {
    async credential(caller) {
      if (!caller?.principal) {
        throw refuse('acts as each user (auth: token_exchange) and this request has no authenticated user');
      }
      if (!caller.token || caller.principal.startsWith('key:')) {
        throw refuse(
          'acts as each user (auth: token_exchange): only a bearer token (gateway.auth.jwt) can be exchanged, not an API key',
        );
      }
      try {
        const { principal } = caller;
        const token = await exchange.token(principal, caller.token);
        return {
          principal,
          headers: { Authorization: `Bearer ${token}` },
          refused: () => exchange.forget(principal, token),
        };
      } catch (err) {
        if (err instanceof OAuthTokenError) throw new GatewayError('user_credentials', err.message, backend);
        throw err;
      }
    },
  };
}

/**
 * `auth: per_user_secret`: the caller's personal secret (a file or a Redis hash field named by its typed
 * principal) in a header; a missing one is an error naming where to store it.
 */
export function secretHeader(
  backend: string,
  source: UserSecretSource,
  placement: SecretPlacement,
  connections?: UserConnections,
): UserAuth {
  return {
    ...(connections && { connections }),
    async credential(caller) {
      if (!caller?.principal) {
        throw new GatewayError(
          'user_credentials',
          `backend "${backend}" acts as each user (auth: per_user_secret) and this request has no authenticated user`,
          backend,
        );
      }
      try {
        const secret = await source.get(caller.principal);
        return { principal: caller.principal, headers: secretHeaders(placement, secret) };
      } catch (err) {
        if (err instanceof MissingUserSecretError)
          throw new GatewayError('user_credentials', err.message, backend);
        throw err;
      }
    },
  };
}
