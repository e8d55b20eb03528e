/**
 * Console sign-in through the gateway's own authorization server (gateway.auth.sign_in): authorization code with
 * PKCE (S256) as the built-in public client `switchboard-console`, back to this page, the access token kept
 * where a pasted key is. The token is the one MCP clients get, so the console acts as the same typed principal.
 */
import { setKey } from './api.js';

/** The console's client id, registered by the authorization server when sign-in and the console are both on. */
const CLIENT_ID = 'switchboard-console';
/** The request in flight (state, verifier, redirect URI, issuer, token endpoint), for this tab only. */
const PENDING = 'switchboard.console.signin';
/** Set while the key in use came from sign-in: the console then offers "Sign out". */
const SIGNED_IN = 'switchboard.console.signed-in';

/** What the console reads of the authorization server's metadata (RFC 8414). */
export interface SignInServer {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  /** The gateway's /mcp URL (its protected-resource metadata's `resource`): the token's audience. */
  resource: string;
}

interface Pending {
  state: string;
  verifier: string;
  redirect: string;
  issuer: string;
  token: string;
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const random = () => b64url(crypto.getRandomValues(new Uint8Array(32)));

/** A JSON document of this origin, or undefined. */
async function read<T>(path: string): Promise<Partial<T> | undefined> {
  const res = await fetch(path);
  return res.ok ? ((await res.json()) as Partial<T>) : undefined;
}

/**
 * The gateway's own authorization server, when sign-in is configured, else undefined. A 401's challenge names
 * the protected-resource metadata (RFC 9728) when the gateway takes OAuth tokens; sign-in is on when that lists
 * this origin as its authorization server (an external issuer of gateway.auth.jwt has no client for the console).
 * Neither document needs a key, and nothing is asked for that may not exist.
 */
export async function signInServer(challenge: string | undefined): Promise<SignInServer | undefined> {
  const at = /resource_metadata="([^"]+)"/.exec(challenge ?? '')?.[1];
  if (!at || new URL(at, location.href).origin !== location.origin) return undefined;
  try {
    const prm = await read<{ resource: string; authorization_servers: string[] }>(at);
    if (!prm?.resource || !prm.authorization_servers?.includes(location.origin)) return undefined;
    type Metadata = SignInServer & { code_challenge_methods_supported: string[] };
    const m = await read<Metadata>('/.well-known/oauth-authorization-server');
    if (!m) return undefined;
    m.resource = prm.resource;
    const ok =
      m.issuer === location.origin &&
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
  const pending: Pending = {
    ...{ state: random(), verifier, redirect: redirectUri() },
    ...{ issuer: server.issuer, token: server.token_endpoint },
  };
  sessionStorage.setItem(PENDING, JSON.stringify(pending));
  const url = new URL(server.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: pending.redirect,
    code_challenge: b64url(new Uint8Array(digest)),
    code_challenge_method: 'S256',
    state: pending.state,
    resource: server.resource,
  }).toString();
  location.assign(url.href);
}

/**
 * Finishes a sign-in when this page was reached with the authorization server's answer (`?code=&state=` or
 * `?error=`): the query leaves the address bar and history first. Returns an error to show, or undefined (signed
 * in, or nothing to finish).
 */
export async function finishSignIn(): Promise<string | undefined> {
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
  if (params.has('iss') && params.get('iss') !== pending.issuer)
    return 'Sign-in refused: the answer came from another authorization server than the one asked. Sign in again.';
  let res: Response;
  try {
    res = await fetch(pending.token, {
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
