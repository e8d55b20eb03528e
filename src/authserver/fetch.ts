import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import picomatch from 'picomatch';
import { Agent, fetch as undiciFetch } from 'undici';
import type { SignInSettings } from '../config/model.js';

type Limits = SignInSettings['metadataDocuments'];

/** Whether an address is loopback, private, link-local or otherwise not on the public internet. */
export function privateAddress(ip: string): boolean {
  const v4 = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  if (isIP(v4) === 4) {
    const [a, b] = v4.split('.').map(Number) as [number, number];
    return (
      a === 0 ||
      a === 10 ||
      a === 127 ||
      (a === 100 && b >= 64 && b <= 127) ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 192 && b === 0) ||
      (a === 198 && (b === 18 || b === 19)) ||
      a >= 224
    );
  }
  const x = ip.toLowerCase();
  return (
    x === '::' ||
    x === '::1' ||
    /^(fc|fd|fe[89ab])/.test(x) ||
    x.startsWith('64:ff9b:') ||
    x.startsWith('2001:db8')
  );
}

/** A refused fetch target, with the reason (shown in the authorization error). */
export class FetchRefused extends Error {
  override readonly name = 'FetchRefused';
}

/**
 * The fetch oidc-provider uses for client metadata documents (and a client's jwks_uri): at most `timeoutMs`,
 * no redirects followed, and, unless `allowPrivateAddresses`, never to a loopback or private address
 * (checked on every resolved address, so DNS cannot point it inside). The size limit is oidc-provider's
 * fetchResponseBodyLimits; extra CAs (an internal CA) from `ca`.
 */
export function documentFetch(limits: Limits): (url: URL | string, init: RequestInit) => Promise<Response> {
  const guarded: typeof dnsLookup = ((
    host: string,
    options: object,
    callback: (...args: unknown[]) => void,
  ) => {
    dnsLookup(host, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err);
      const list = addresses as unknown as LookupAddress[];
      const bad = list.find((a) => privateAddress(a.address));
      if (bad) return callback(new FetchRefused(`${host} resolves to a private address (${bad.address})`));
      const all = (options as { all?: boolean }).all;
      return all ? callback(null, list) : callback(null, list[0]!.address, list[0]!.family);
    });
  }) as typeof dnsLookup;
  const agent = new Agent({
    connect: {
      ...(limits.ca && { ca: [...rootCertificates, limits.ca] }),
      ...(!limits.allowPrivateAddresses && { lookup: guarded }),
    },
    connectTimeout: limits.timeoutMs,
  });
  return async (url, init) => {
    const target = new URL(url);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    if (!limits.allowPrivateAddresses && isIP(host) && privateAddress(host))
      throw new FetchRefused(`${host} is a private address`);
    const res = await undiciFetch(target, {
      method: init.method ?? 'GET',
      headers: init.headers as Record<string, string>,
      redirect: 'manual',
      dispatcher: agent,
      signal: AbortSignal.timeout(limits.timeoutMs),
    });
    return res as unknown as Response;
  };
}

/** Whether a metadata document may be fetched from this client_id's host (client_metadata_documents.allow_hosts). */
export function hostAllowed(limits: Limits): (clientId: string) => boolean {
  if (!limits.allowHosts.length) return () => true;
  const match = picomatch(limits.allowHosts, { nocase: true });
  return (clientId) => {
    try {
      return match(new URL(clientId).hostname);
    } catch {
      return false;
    }
  };
}
