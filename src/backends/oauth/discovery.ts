import {
  buildDiscoveryUrls,
  checkResourceAllowed,
  discoverOAuthProtectedResourceMetadata,
  resourceUrlFromServerUrl,
  type AuthorizationServerMetadata,
} from '@modelcontextprotocol/client';
import type { Logger } from 'pino';

/** Discovery failed; the message is one sentence naming the URL and the cause. */
export class DiscoveryError extends Error {
  override readonly name = 'DiscoveryError';
}

/** Where an upstream's tokens come from, as discovered. */
export interface DiscoveredServer {
  /** The authorization server's URL as the upstream names it. */
  authorizationServerUrl: string;
  /** Its RFC 8414 / OpenID metadata; undefined when it publishes none (the token endpoint is then `/token`). */
  metadata?: AuthorizationServerMetadata;
  /**
   * The upstream's RFC 9728 `resource` (checked to be the upstream's URL or origin), when it published one: sent
   * exactly as published (a URL object would add "/" to a bare origin).
   */
  resource?: string;
}

/** How long one metadata request may take. */
const FETCH_TIMEOUT_MS = 10_000;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A network failure as its short cause (ECONNREFUSED, a timeout). */
function networkCause(err: unknown): string {
  if (err instanceof DOMException && err.name === 'TimeoutError')
    return `timed out after ${FETCH_TIMEOUT_MS / 1000} s`;
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
}

/** The first problem of a zod-style validation error, as `field: message`; else the error's first line. */
function firstIssue(err: unknown): string {
  const issues = (err as { issues?: { path?: (string | number)[]; message?: string }[] }).issues;
  const first = issues?.[0];
  if (first) return `${first.path?.join('.') || 'the document'}: ${first.message ?? 'invalid'}`;
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

/**
 * Checks authorization server metadata as RFC 8414 asks of a client-credentials client: the issuer it was
 * looked up for, and a token endpoint. `authorization_endpoint` is optional here (a server without the
 * authorization-code grant has none). Returns why it is unusable, or undefined.
 */
export function metadataProblem(doc: unknown, expectedIssuer: string): string | undefined {
  if (!isObject(doc)) return 'it is not a JSON object';
  const issuer = doc.issuer;
  const expected = expectedIssuer.replace(/\/$/, '');
  if (typeof issuer !== 'string') return 'it has no issuer';
  if (issuer.replace(/\/$/, '') !== expected) return `its issuer is ${issuer}, not ${expected}`;
  if (typeof doc.token_endpoint !== 'string') return 'it has no token_endpoint';
  try {
    new URL(doc.token_endpoint);
  } catch {
    return `its token_endpoint "${doc.token_endpoint}" is not a URL`;
  }
  const methods = doc.token_endpoint_auth_methods_supported;
  if (methods !== undefined && !(Array.isArray(methods) && methods.every((m) => typeof m === 'string')))
    return 'its token_endpoint_auth_methods_supported is not a list of strings';
  return undefined;
}

/** RFC 8414 / OpenID Connect metadata of an authorization server, or undefined when it publishes none. */
async function serverMetadata(url: string): Promise<AuthorizationServerMetadata | undefined> {
  for (const { url: where } of buildDiscoveryUrls(url)) {
    let response: Response;
    try {
      response = await fetch(where, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
      });
    } catch (err) {
      throw new DiscoveryError(
        `the authorization server's metadata at ${where.href} could not be fetched (${networkCause(err)})`,
      );
    }
    if (!response.ok) {
      await response.body?.cancel().catch(() => {});
      // Not published at this well-known URL (any 4xx; 502 from a proxy): try the next one.
      if (response.status < 500 || response.status === 502) continue;
      throw new DiscoveryError(
        `the authorization server's metadata at ${where.href} answered HTTP ${response.status}`,
      );
    }
    let doc: unknown;
    try {
      doc = await response.json();
    } catch {
      throw new DiscoveryError(`the authorization server's metadata at ${where.href} is not JSON`);
    }
    const problem = metadataProblem(doc, url);
    if (problem)
      throw new DiscoveryError(
        `the authorization server's metadata at ${where.href} is unusable: ${problem}`,
      );
    return doc as AuthorizationServerMetadata;
  }
  return undefined;
}

/**
 * Finds an OAuth upstream's authorization server the way the MCP authorization spec says: its RFC 9728
 * protected-resource metadata (the 401's `resource_metadata`, else the well-known URL), then that server's
 * RFC 8414 or OpenID metadata. Without protected-resource metadata the upstream's origin is taken for the
 * authorization server. Throws a DiscoveryError whose message is one sentence.
 */
export async function discoverTokenServer(
  serverUrl: URL,
  resourceMetadataUrl: URL | undefined,
  log: Logger,
): Promise<DiscoveredServer> {
  let authorizationServerUrl: string | undefined;
  let resource: string | undefined;
  try {
    const prm = await discoverOAuthProtectedResourceMetadata(serverUrl, { resourceMetadataUrl });
    authorizationServerUrl = prm.authorization_servers?.[0];
    const own = resourceUrlFromServerUrl(serverUrl);
    if (!checkResourceAllowed({ requestedResource: own, configuredResource: prm.resource })) {
      throw new DiscoveryError(
        `the upstream's protected-resource metadata names the resource ${prm.resource}, which is neither ${own.href} nor its origin`,
      );
    }
    resource = prm.resource;
  } catch (err) {
    if (err instanceof DiscoveryError) throw err;
    if (err instanceof TypeError) {
      throw new DiscoveryError(
        `the upstream's protected-resource metadata could not be fetched (${networkCause(err)})`,
      );
    }
    log.warn(
      `the upstream's protected-resource metadata is unusable (${firstIssue(err)}); taking ${serverUrl.origin} for its authorization server`,
    );
  }
  authorizationServerUrl ??= new URL('/', serverUrl).href;
  const metadata = await serverMetadata(authorizationServerUrl);
  return { authorizationServerUrl, metadata, resource };
}
