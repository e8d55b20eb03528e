/** A local OAuth issuer for tests: signing keys made with jose, and a JWKS served over HTTP whose keys can rotate. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose';

/** The issuer and audience the test gateways are configured with. */
export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'switchboard-test';

/** One signing key and its public JWK. */
export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: CryptoKey;
  jwk: JWK;
}

/** Makes a signing key with a kid. */
export async function makeKey(kid: string, alg: 'RS256' | 'ES256' = 'RS256'): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk };
}

/** Signs a token; claims default to a valid one for `sub` (issuer, audience, an hour of validity). */
export function sign(
  key: SigningKey,
  claims: JWTPayload & { sub?: string },
  options: { iss?: string; aud?: string; exp?: number | string; nbf?: number | string } = {},
): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid })
    .setIssuedAt()
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setExpirationTime(options.exp ?? '1h');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(key.privateKey);
}

/** A JWKS endpoint on loopback; `keys` is what it serves now, and `fetches` counts the requests it answered. */
export class JwksServer {
  keys: JWK[] = [];
  fetches = 0;
  private server?: Server;

  /** Starts listening and returns the JWKS URL. */
  async start(): Promise<string> {
    this.server = createServer((_req, res) => {
      this.fetches++;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/jwks.json`;
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
