import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
} from 'jose';
import type { JwtSettings } from '../../config/model.js';

/**
 * A refused credential: the HTTP status, and a cause safe to show (it never contains the token). 503 when the
 * gateway could not check it (its signing keys are unavailable): the server's fault, not the client's.
 */
export class AuthFailure extends Error {
  constructor(
    readonly status: 401 | 403 | 503,
    message: string,
    /** For 403: the scope(s) that were missing. */
    readonly scope?: string,
  ) {
    super(message);
    this.name = 'AuthFailure';
  }
}

type LocalKeys = ReturnType<typeof createLocalJWKSet>;
type KeySource = (...args: Parameters<LocalKeys>) => ReturnType<LocalKeys>;

/** A verifier's settings: a configured issuer's, or the gateway's own sign-in issuer's (keys given, `typ` checked). */
export type VerifierSettings = JwtSettings & { jwks?: JSONWebKeySet; typ?: string };

function keySource(s: VerifierSettings): KeySource {
  if (s.jwks) return createLocalJWKSet(s.jwks);
  if (s.jwksUrl) {
    return createRemoteJWKSet(new URL(s.jwksUrl), {
      cooldownDuration: s.jwksCooldownMs,
      timeoutDuration: 5000,
    });
  }
  // Read on first use and kept once it parses, so a file mounted after start (or fixed) is picked up.
  let local: LocalKeys | undefined;
  return (...args) => {
    if (!local) {
      try {
        local = createLocalJWKSet(JSON.parse(readFileSync(s.jwksFile!, 'utf8')) as JSONWebKeySet);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        return Promise.reject(new AuthFailure(503, `signing keys unavailable (jwks_file: ${reason})`));
      }
    }
    return local(...args);
  };
}

/** The cause of a failed verification, in words a client can act on. */
function cause(err: unknown): string {
  if (err instanceof AuthFailure) return err.message;
  if (err instanceof errors.JWTExpired) return 'token expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'nbf') return 'token not yet valid';
    if (err.claim === 'iss') return 'wrong issuer';
    if (err.claim === 'aud') return 'wrong audience';
    if (err.claim === 'typ') return 'not an access token';
    return `invalid "${err.claim}" claim`;
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'bad signature';
  if (err instanceof errors.JWKSNoMatchingKey) return 'unknown signing key';
  if (err instanceof errors.JOSEAlgNotAllowed) return 'signature algorithm not allowed';
  if (err instanceof errors.JWKSTimeout) return 'signing keys unavailable (JWKS fetch timed out)';
  if (err instanceof errors.JWKSInvalid) return 'signing keys unavailable (the JWKS is malformed)';
  if (err instanceof errors.JWSInvalid || err instanceof errors.JWTInvalid) return 'malformed token';
  if (keysUnavailable(err)) return `signing keys unavailable (JWKS fetch failed: ${(err as Error).message})`;
  if (err instanceof errors.JOSEError) return `invalid token (${err.code})`;
  return 'signing keys unavailable';
}

/** Whether verification failed because the issuer's keys could not be fetched, not because of the token. */
function keysUnavailable(err: unknown): boolean {
  if (err instanceof AuthFailure) return err.status === 503;
  if (err instanceof errors.JWKSTimeout || err instanceof errors.JWKSInvalid) return true;
  // jose reports a non-200 JWKS response as a generic JOSEError; network failures are not JOSE errors at all.
  if (err instanceof errors.JOSEError)
    return err.code === 'ERR_JOSE_GENERIC' && /JSON Web Key Set/.test(err.message);
  return true;
}

/** Scopes of a token: `scope` (space-separated) or `scp` (array or string). */
function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return typeof raw === 'string' ? raw.split(' ').filter(Boolean) : [];
}

/** Groups of a token: the configured claim, an array of strings or a space-separated string. */
function groupsOf(payload: JWTPayload, claim: string): string[] {
  const raw = payload[claim];
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return typeof raw === 'string' ? raw.split(' ').filter(Boolean) : [];
}

/** A verified token's principal (`sub`, of `issuer`), scopes, groups and expiry. */
export interface VerifiedToken {
  issuer: string;
  subject: string;
  scopes: string[];
  groups: string[];
  expiresAt?: number;
  /** The sign-in a gateway-issued token belongs to (its `gid` claim). */
  grantId?: string;
}

/** Verifies bearer JWTs against one issuer's keys (remote JWKS cached by jose, or a local file). */
export class JwtVerifier {
  private readonly keys: KeySource;

  constructor(private readonly settings: VerifierSettings) {
    this.keys = keySource(settings);
  }

  /** Checks signature, algorithm, iss, aud, exp and nbf; throws AuthFailure naming the cause. */
  async verify(token: string): Promise<VerifiedToken> {
    const s = this.settings;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: s.issuer,
        audience: s.audience,
        algorithms: s.algorithms,
        clockTolerance: Math.round(s.clockToleranceMs / 1000),
        ...(s.typ && { typ: s.typ }),
      }));
    } catch (err) {
      throw new AuthFailure(keysUnavailable(err) ? 503 : 401, cause(err));
    }
    if (typeof payload.sub !== 'string' || !payload.sub)
      throw new AuthFailure(401, 'token has no "sub" claim');
    return {
      issuer: s.issuer,
      subject: payload.sub,
      scopes: scopesOf(payload),
      groups: groupsOf(payload, s.groupsClaim),
      expiresAt: payload.exp,
      grantId: typeof payload.gid === 'string' ? payload.gid : undefined,
    };
  }
}
