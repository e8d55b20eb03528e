import { OAuthError, SdkErrorCode, SdkHttpError } from '@modelcontextprotocol/client';
import type { Auth } from '../../config/schema-types.js';

/** A token could not be obtained for an OAuth upstream; the message names the endpoint and the OAuth error, never a secret. */
export class OAuthTokenError extends Error {
  override readonly name = 'OAuthTokenError';
}

const MAX_DETAIL = 200;

function clip(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_DETAIL ? `${flat.slice(0, MAX_DETAIL)}…` : flat;
}

/** A failed token or discovery request, as `<oauth error> (<description>)`, `HTTP <status>` or the network cause. */
export function describeTokenFailure(err: unknown): string {
  if (err instanceof OAuthError) {
    // The SDK reports a non-OAuth error body as server_error "HTTP <status>: Invalid OAuth error response …".
    const http = /^HTTP (\d+):/.exec(err.message);
    if (http) return `HTTP ${http[1]} without an OAuth error body`;
    return err.message && err.message !== err.code ? `${err.code} (${clip(err.message)})` : err.code;
  }
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (err instanceof TypeError && cause) return `unreachable (${cause.code ?? clip(String(cause.message))})`;
  return clip(err instanceof Error ? err.message : String(err));
}

/** Removes the configured secret values from a message, in case a server echoed one back. */
export function scrub(message: string, auth: Auth): string {
  const secrets = Object.entries(auth)
    .filter(
      ([key, value]) => typeof value === 'string' && /secret|private_key$/.test(key) && value.length >= 4,
    )
    .map(([, value]) => value as string);
  return secrets.reduce((text, secret) => text.split(secret).join('[redacted]'), message);
}

/** What to say when the upstream refuses even a freshly fetched token. */
export const FRESH_TOKEN_REFUSED =
  'the upstream refused a freshly fetched access token (HTTP 401); check the scope, resource and audience the token is requested for';

/** Whether the SDK gave up because the upstream answered 401 again after the token was renewed. */
export function freshTokenRefused(err: unknown): boolean {
  return err instanceof SdkHttpError && err.code === SdkErrorCode.ClientHttpAuthentication;
}
