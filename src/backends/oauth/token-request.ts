/** One request to an OAuth token endpoint, as a per-user grant (exchange, code, refresh) makes it. */
import type { AuthorizationServerMetadata } from '@modelcontextprotocol/client';
import type { Auth } from '../../config/schema-types.js';
import type { UpstreamGrant } from '../credentials/grant.js';
import { clientProvider } from './clients.js';
import { OAuthTokenError, scrub } from './errors.js';

/** How the client authenticates: as a client-credentials or private_key_jwt backend, or public (its id only). */
export type TokenClient =
  | Extract<Auth, { type: 'oauth_client_credentials' | 'oauth_private_key_jwt' }>
  | { type: 'public'; client_id: string };

/** A token endpoint's refusal: the OAuth error code (`invalid_grant`…) or `HTTP <status>`, and the message. */
export class TokenRefused extends OAuthTokenError {
  constructor(
    readonly error: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * POSTs `params` to `endpoint` as `client`, and returns the grant it answers. Failures are a TokenRefused (or an
 * OAuthTokenError when unreachable) whose message is `<what> failed: <error> (<description>)`,
 * with the client's secret and every value of `hide` removed.
 */
export async function tokenRequest(
  endpoint: URL,
  params: URLSearchParams,
  client: TokenClient,
  what: string,
  hide: string[] = [],
): Promise<UpstreamGrant> {
  const headers = new Headers({
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  });
  const clean = (text: string) => {
    const scrubbed = client.type === 'public' ? text : scrub(text, client);
    return hide.filter((h) => h.length >= 4).reduce((t, h) => t.split(h).join('[redacted]'), scrubbed);
  };
  let body: Record<string, unknown>;
  let status: number;
  try {
    if (client.type === 'public') params.set('client_id', client.client_id);
    else {
      const metadata = {
        issuer: endpoint.origin,
        token_endpoint: endpoint.href,
      } as AuthorizationServerMetadata;
      const provider = await clientProvider(client, endpoint.origin, endpoint.href);
      await provider.addClientAuthentication?.(headers, params, endpoint, metadata);
    }
    const res = await fetch(endpoint, {
      method: 'POST',
      headers,
      body: params,
      signal: AbortSignal.timeout(15_000),
    });
    status = res.status;
    body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  } catch (err) {
    throw new OAuthTokenError(clean(`${what} failed: unreachable (${(err as Error).message})`));
  }
  if (status !== 200 || typeof body.access_token !== 'string') {
    const error = typeof body.error === 'string' ? body.error : `HTTP ${status}`;
    const description =
      typeof body.error_description === 'string' ? ` (${body.error_description.slice(0, 200)})` : '';
    throw new TokenRefused(error, clean(`${what} failed: ${error}${description}`));
  }
  const now = Date.now();
  const expiresIn = typeof body.expires_in === 'number' ? body.expires_in : undefined;
  return {
    accessToken: body.access_token,
    obtainedAt: now,
    ...(expiresIn !== undefined ? { expiresAt: now + expiresIn * 1000 } : {}),
    ...(typeof body.refresh_token === 'string' ? { refreshToken: body.refresh_token } : {}),
    ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
  };
}
