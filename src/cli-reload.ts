/** `switchboard reload`: asks a running gateway to re-read its config file (POST /v1/config/reload), as SIGHUP does. */
import { gatewayPath, StatusError, unreachable } from './cli-status.js';

/** What `switchboard reload` needs. */
export interface ReloadRequest {
  /** The gateway's base URL (its /mcp or /readyz URL works too). */
  url: string;
  /** An operator API key or bearer token, when the gateway authenticates clients. */
  credential?: string;
}

interface ReloadAnswer {
  reload?: { last?: string; count?: number; at?: string };
  hash?: string;
  detail?: string;
  problems?: string[];
}

/** Asks for the reload; returns the line to print, or throws StatusError with the lines saying why it failed. */
export async function reload(req: ReloadRequest): Promise<string> {
  const url = gatewayPath(req.url, '/v1/config/reload');
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: req.credential ? { authorization: `Bearer ${req.credential}` } : {},
      // A reload waits for new backends' first connection attempt (up to 5 s) before it answers.
      signal: AbortSignal.timeout(60_000),
    });
  } catch (err) {
    throw unreachable(url, err);
  }
  let body: ReloadAnswer = {};
  try {
    body = (await res.json()) as ReloadAnswer;
  } catch {
    // not JSON: the status says enough
  }
  if (res.status === 401 || res.status === 403) {
    const hint = req.credential
      ? 'the credential needs operator rights (an API key with operator: true, or the operator scope)'
      : 'pass an operator credential with --api-key or SWITCHBOARD_API_KEY / SWITCHBOARD_TOKEN';
    throw new StatusError(
      `${url.href} refused: HTTP ${res.status} ${body.detail ?? ''}`.trim() + `; ${hint}`,
    );
  }
  if (res.status === 404) {
    throw new StatusError(
      `${url.href} answered 404: is it a switchboard gateway (0.1.0 or later with reload)?`,
    );
  }
  if (res.status === 422) {
    throw new StatusError(
      [`reload refused: ${body.detail ?? 'invalid config'}`, ...(body.problems ?? [])].join('\n'),
    );
  }
  if (!res.ok)
    throw new StatusError(`${url.href} answered HTTP ${res.status}${body.detail ? `: ${body.detail}` : ''}`);
  const hash = body.hash ? ` (sha256 ${body.hash})` : '';
  return `${url.origin}: config reloaded${hash}; ${body.reload?.count ?? '?'} reload(s) since start`;
}
