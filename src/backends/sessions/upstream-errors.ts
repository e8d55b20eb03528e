import { SdkHttpError, SseError } from '@modelcontextprotocol/client';

/** Whether an HTTP upstream answered that our session id is unknown (404 per spec; some servers send 400). */
export function sessionExpired(err: unknown): boolean {
  if (!(err instanceof SdkHttpError)) return false;
  return err.status === 404 || (err.status === 400 && /session/i.test(err.message));
}

/** Whether a request failed because the upstream could not be reached at all (nothing was processed). */
export function unreachable(err: unknown): boolean {
  const code = (err as { cause?: { code?: string } })?.cause?.code;
  return (
    err instanceof TypeError && (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH')
  );
}

/** The low-level cause of a failed fetch, for messages. */
export function describeCause(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? String(err);
}

/** Whether an HTTP upstream refused the credential a request carried (HTTP 401), on any HTTP transport. */
export function credentialRefused(err: unknown): boolean {
  if (err instanceof SdkHttpError) return err.status === 401;
  if (err instanceof SseError) return err.code === 401;
  return err instanceof Error && /\(HTTP 401\)/.test(err.message);
}
