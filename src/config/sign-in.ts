import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConfigProblem } from './errors.js';
import { parseDuration } from './interpolate.js';
import type { SignInSettings, SigningAlgorithm, SigningKeySettings } from './model.js';
import type { SignIn, SigningKey, SwitchboardConfig } from './schema-types.js';

type Located = (path: (string | number)[], message: string, onKey?: boolean) => ConfigProblem;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|localhost|::1|\[::1\])$/i;
const HOUR = 3_600_000;

const absolute = (file: string, baseDir: string) => (isAbsolute(file) ? file : resolve(baseDir, file));

/** The JWS algorithm a private key signs with: RS256 (RSA), ES256/ES384 (EC), EdDSA (Ed25519). */
function algorithmOf(key: KeyObject): SigningAlgorithm {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') {
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
      throw new Error('an RSA key needs 2048 bits or more');
    return 'RS256';
  }
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    throw new Error(`EC curve ${curve ?? '?'} is not supported (use P-256 or P-384)`);
  }
  if (type === 'ed25519') return 'EdDSA';
  throw new Error(`a ${type ?? 'symmetric'} key cannot sign tokens (use RSA, EC P-256 or Ed25519)`);
}

/** RFC 7638 thumbprint of a public JWK: SHA-256 of its required members in lexicographic order. */
function thumbprint(jwk: JsonWebKey): string {
  const members: Record<string, string[]> = {
    RSA: ['e', 'kty', 'n'],
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
  };
  const required = members[jwk.kty ?? ''] ?? [];
  const canonical = JSON.stringify(Object.fromEntries(required.map((k) => [k, jwk[k as keyof JsonWebKey]])));
  return createHash('sha256').update(canonical).digest('base64url');
}

/** Parses one configured key (PKCS#8/PKCS#1/SEC1 PEM, or a private JWK as JSON); throws with a reason. */
export function parseSigningKey(text: string, kid?: string): SigningKeySettings {
  const trimmed = text.trim();
  let key: KeyObject;
  try {
    key = trimmed.startsWith('{')
      ? createPrivateKey({ key: JSON.parse(trimmed) as JsonWebKey, format: 'jwk' })
      : createPrivateKey(trimmed);
  } catch {
    throw new Error('not a private key (expected PKCS#8 PEM or a private JWK)');
  }
  const alg = algorithmOf(key);
  const publicJwk = createPublicKey(key).export({ format: 'jwk' });
  const id = kid ?? thumbprint(publicJwk);
  return {
    kid: id,
    alg,
    privateJwk: { ...key.export({ format: 'jwk' }), kid: id, alg, use: 'sig' },
    publicJwk: { ...publicJwk, kid: id, alg, use: 'sig' },
  };
}

function keyText(k: SigningKey, baseDir: string): string {
  return k.key ?? readFileSync(absolute(k.key_file!, baseDir), 'utf8');
}

/** The issuer: configured, else the origin of gateway.auth.resource, else http://host:port on loopback; '' when none can be derived. */
function issuerOf(s: SignIn, resource: string | undefined, host: string, port: number): string {
  if (s.issuer) return s.issuer.replace(/\/$/, '');
  if (resource) return new URL(resource).origin;
  if (!LOOPBACK.test(host) || port === 0) return '';
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${port}`;
}

const ms = (v: number | string | undefined, fallback: number) =>
  v === undefined ? fallback : parseDuration(v);

/** `gateway.auth.sign_in` normalised: keys parsed, secrets read from their files, durations in ms. */
export function signInSettings(
  s: SignIn | undefined,
  baseDir: string,
  where: { host: string; port: number; resource?: string },
): SignInSettings | undefined {
  if (!s) return undefined;
  const issuer = issuerOf(s, where.resource, where.host, where.port);
  const idp = s.idp;
  const secret =
    idp.client_secret ??
    (idp.client_secret_file && readFileSync(absolute(idp.client_secret_file, baseDir), 'utf8').trim());
  const cimd = s.client_metadata_documents ?? {};
  return {
    issuer,
    resource: where.resource ?? (issuer && `${issuer}/mcp`),
    keys: (s.signing_keys ?? []).map((k) => parseSigningKey(keyText(k, baseDir), k.kid)),
    idp: {
      issuer: idp.issuer,
      authorizationEndpoint: idp.authorization_endpoint,
      tokenEndpoint: idp.token_endpoint,
      userinfoEndpoint: idp.userinfo_endpoint,
      clientId: idp.client_id,
      clientSecret: secret || undefined,
      authMethod: idp.token_endpoint_auth_method ?? (secret ? 'client_secret_basic' : 'none'),
      scopes: idp.scopes ?? (idp.issuer ? ['openid', 'email', 'profile'] : []),
      claims: {
        subject: idp.claims?.subject ?? 'sub',
        email: idp.claims?.email ?? 'email',
        groups: idp.claims?.groups ?? 'groups',
        name: idp.claims?.name ?? 'name',
      },
      extraParams: idp.extra_params ?? {},
      timeoutMs: ms(idp.timeout, 10_000),
    },
    allow: {
      emailDomains: (s.allow?.email_domains ?? []).map((d) => d.toLowerCase().replace(/^@/, '')),
      groups: s.allow?.groups ?? [],
    },
    scopes: s.scopes ?? ['mcp'],
    accessTokenTtlMs: ms(s.access_token_ttl, 10 * 60_000),
    refreshTokenTtlMs: ms(s.refresh_token_ttl, 168 * HOUR),
    consentTtlMs: ms(s.consent_ttl, 720 * HOUR),
    sessionTtlMs: ms(s.session_ttl, 12 * HOUR),
    dynamicRegistration: s.dynamic_registration ?? true,
    metadataDocuments: {
      enabled: cimd.enabled ?? true,
      maxBytes: cimd.max_bytes ?? 5120,
      timeoutMs: ms(cimd.timeout, 2500),
      allowHosts: cimd.allow_hosts ?? [],
      allowPrivateAddresses: cimd.allow_private_addresses ?? false,
      ca: cimd.ca_file && readFileSync(absolute(cimd.ca_file, baseDir), 'utf8'),
    },
  };
}

/** Problems of `gateway.auth.sign_in` a schema cannot express: unreadable keys and secrets, endpoint sets, TTLs. */
export function signInProblems(raw: SwitchboardConfig, at: Located, baseDir: string): ConfigProblem[] {
  const s = raw.gateway?.auth?.sign_in;
  if (!s) return [];
  const base = ['gateway', 'auth', 'sign_in'];
  const problems: ConfigProblem[] = [];
  (s.signing_keys ?? []).forEach((k, i) => {
    const path = [...base, 'signing_keys', i];
    if ((k.key === undefined) === (k.key_file === undefined)) {
      problems.push(at(path, 'set exactly one of key and key_file'));
      return;
    }
    try {
      parseSigningKey(keyText(k, baseDir), k.kid);
    } catch (err) {
      const field = k.key === undefined ? 'key_file' : 'key';
      problems.push(at([...path, field], (err as Error).message));
    }
  });
  if (!s.signing_keys && (raw.gateway?.redis || process.env.REDIS_URL))
    problems.push(
      at(
        base,
        'with Redis (several replicas), set signing_keys: a generated key would differ on each replica',
        true,
      ),
    );
  const idp = s.idp;
  const ipath = [...base, 'idp'];
  const oauth2 = ['authorization_endpoint', 'token_endpoint'] as const;
  if (idp.issuer === undefined && oauth2.some((k) => idp[k] === undefined))
    problems.push(
      at(
        ipath,
        'set issuer (OpenID Connect), or authorization_endpoint, token_endpoint and userinfo_endpoint (plain OAuth 2)',
      ),
    );
  if (
    idp.issuer === undefined &&
    idp.userinfo_endpoint === undefined &&
    oauth2.every((k) => idp[k] !== undefined)
  )
    problems.push(at(ipath, 'a plain OAuth 2 provider needs userinfo_endpoint (where the user is read)'));
  if (idp.client_secret !== undefined && idp.client_secret_file !== undefined)
    problems.push(
      at([...ipath, 'client_secret_file'], 'set at most one of client_secret and client_secret_file'),
    );
  if (idp.client_secret_file !== undefined) {
    try {
      readFileSync(absolute(idp.client_secret_file, baseDir), 'utf8');
    } catch (err) {
      problems.push(at([...ipath, 'client_secret_file'], `cannot read it: ${(err as Error).message}`));
    }
  }
  const secretless = idp.client_secret === undefined && idp.client_secret_file === undefined;
  if (secretless && idp.token_endpoint_auth_method && idp.token_endpoint_auth_method !== 'none')
    problems.push(
      at(
        [...ipath, 'token_endpoint_auth_method'],
        `${idp.token_endpoint_auth_method} needs client_secret or client_secret_file`,
      ),
    );
  const ca = s.client_metadata_documents?.ca_file;
  if (ca !== undefined) {
    try {
      readFileSync(absolute(ca, baseDir), 'utf8');
    } catch (err) {
      problems.push(
        at([...base, 'client_metadata_documents', 'ca_file'], `cannot read it: ${(err as Error).message}`),
      );
    }
  }
  for (const key of ['access_token_ttl', 'refresh_token_ttl', 'consent_ttl', 'session_ttl'] as const) {
    const v = s[key];
    if (v !== undefined && parseDuration(v) < 1000)
      problems.push(at([...base, key], `${key} must be 1s or longer`));
  }
  if (s.issuer && raw.gateway?.auth?.jwt?.issuer?.replace(/\/$/, '') === s.issuer.replace(/\/$/, ''))
    problems.push(
      at(
        [...base, 'issuer'],
        "gateway.auth.jwt already trusts this issuer: sign-in tokens are verified with the gateway's own keys",
      ),
    );
  return problems;
}

/** Problems only known once host and port are final: an issuer that cannot be derived. */
export function signInIssuerProblems(settings: SignInSettings | undefined, at: Located): ConfigProblem[] {
  if (!settings || settings.issuer) return [];
  return [
    at(
      ['gateway', 'auth', 'sign_in'],
      'set sign_in.issuer (the public origin clients reach this gateway at) or gateway.auth.resource: it cannot be derived from a non-loopback host or port 0',
      true,
    ),
  ];
}
