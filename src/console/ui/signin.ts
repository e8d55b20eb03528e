/**
 * Console sign-in through the gateway's own authorization server (gateway.auth.sign_in): authorization code with
 * PKCE (S256) as the built-in public client `switchboard-console`, back to this page, the access token kept
 * where a pasted key is. The token is the one MCP clients get, so the console acts as the same typed principal.
 */
import { setKey } from './api.js';

/** The console's client id, registered by the authorization server when sign-in and the console are both on. */
const CLIENT_ID = 'switchboard-console';
/** The request in flight (state, verifier, redirect URI, issuer), for this tab only. */
const PENDING = 'switchboard.console.signin';
/** Set while the key in use came from sign-in: the console then offers "Sign out". */
const SIGNED_IN = 'switchboard.console.signed-in';

/** What the console reads of the authorization server's metadata (RFC 8414). */
export interface SignInServer {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
}

interface Pending {
  state: string;
  verifier: string;
  redirect: string;
  issuer: string;
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));

/** The authorization server when sign-in is configured (its metadata needs no key), else undefined. */
export async function signInServer(): Promise<SignInServer | undefined> {
  try {
    const res = await fetch('/.well-known/oauth-authorization-server');
    if (!res.ok) return undefined;
    const m = (await res.json()) as Partial<SignInServer> & { code_challenge_methods_supported?: string[] };
    const ok =
      m.issuer &&
      m.authorization_endpoint &&
      m.token_endpoint &&
      m.code_challenge_methods_supported?.includes('S256');
    return ok ? (m as SignInServer) : undefined;
  } catch {
    return undefined;
  }
}

/** This page without query or fragment: the redirect URI registered for the console. */
function redirectUri(): string {
  const u = new URL(location.href);
  return `${u.origin}${u.pathname}`;
}

/** Goes to the authorization server's sign-in, remembering state and the PKCE verifier in this tab. */
export async function beginSignIn(server: SignInServer): Promise<void> {
  const verifier = random();
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  const pending: Pending = { state: random(), verifier, redirect: redirectUri(), issuer: server.issuer };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(server.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: pending.redirect,
    code_challenge: b64url(new Uint8Array(digest)),
    code_challenge_method: 'S256',
    state: pending.state,
  }).toString();
  location.assign(url.href);
}

/**
 * Finishes a sign-in when this page was reached with the authorization server's answer (`?code=&state=` or
 * `?error=`): the query leaves the address bar and history first. Returns an error to show, or undefined (signed
 * in, or nothing to finish).
 */
export async function finishSignIn(server: SignInServer | undefined): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return undefined;
  history.replaceState(null, '', redirectUri() + location.hash);
  const raw = sessionStorage.getItem(PENDING);
  sessionStorage.removeItem(PENDING);
  const pending = raw ? (JSON.parse(raw) as Pending) : undefined;
  if (!pending || !params.get('state') || params.get('state') !== pending.state)
    return 'Sign-in refused: the answer does not match a sign-in started in this tab (state mismatch). Sign in again.';
  if (params.get('error'))
    return `Sign-in failed: ${params.get('error')}${params.has('error_description') ? ` (${params.get('error_description')})` : ''}`;
  if (
    !server ||
    server.issuer !== pending.issuer ||
    (params.has('iss') && params.get('iss') !== pending.issuer)
  )
    return 'Sign-in refused: the answer came from another authorization server than the one asked. Sign in again.';
  let res: Response;
  try {
    res = await fetch(server.token_endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: params.get('code') ?? '',
        redirect_uri: pending.redirect,
        client_id: CLIENT_ID,
        code_verifier: pending.verifier,
      }),
    });
  } catch (err) {
    return `Sign-in failed: the token endpoint is unreachable (${String(err)})`;
  }
  const body = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (!res.ok || typeof body.access_token !== 'string')
    return `Sign-in failed: ${String(body.error ?? `HTTP ${res.status}`)}${body.error_description ? ` (${String(body.error_description)})` : ''}`;
  setKey(body.access_token);
  sessionStorage.setItem(SIGNED_IN, '1');
  return undefined;
}

/** Whether the key in use came from sign-in (not pasted). */
export function signedIn(): boolean {
  return sessionStorage.getItem(SIGNED_IN) === '1';
}

/** Forgets that the key came from sign-in (the key itself is cleared by the caller). */
export function forgetSignIn(): void {
  sessionStorage.removeItem(SIGNED_IN);
}
