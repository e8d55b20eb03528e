import { isAbsolute, resolve } from 'node:path';
import type { ConfigProblem } from './errors.js';
import type { Auth, SwitchboardConfig } from './schema-types.js';

type Located = (path: (string | number)[], message: string, onKey?: boolean) => ConfigProblem;

/** An upstream `auth` with paths made absolute against the config file's folder. */
export function upstreamAuth(auth: Auth | undefined, baseDir: string): Auth | undefined {
  if (auth?.type === 'per_user_secret' && auth.folder !== undefined) {
    return { ...auth, folder: isAbsolute(auth.folder) ? auth.folder : resolve(baseDir, auth.folder) };
  }
  if (auth?.type !== 'oauth_private_key_jwt' || auth.private_key_file === undefined) return auth;
  const file = auth.private_key_file;
  return { ...auth, private_key_file: isAbsolute(file) ? file : resolve(baseDir, file) };
}

/** Whether a store key is 32 bytes in base64 or hex (as `backends/credentials/cipher.ts` reads it). */
function validStoreKey(text: string): boolean {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return true;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) && Buffer.from(t, 'base64').length === 32;
}

/**
 * Problems of upstream `auth` a schema cannot express: exactly one source for a private key; token exchange
 * needs the grant store's keys (gateway.credentials), each 32 bytes.
 */
export function upstreamAuthProblems(raw: SwitchboardConfig, at: Located): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const keys = raw.gateway?.credentials?.keys ?? [];
  keys.forEach((key, i) => {
    if (!validStoreKey(key)) {
      problems.push(
        at(
          ['gateway', 'credentials', 'keys', i],
          'a store key is 32 bytes in base64 (openssl rand -base64 32) or hex',
        ),
      );
    }
  });
  for (const section of ['httpServices', 'sseServices'] as const) {
    for (const [name, service] of Object.entries(raw[section] ?? {})) {
      const auth = service.auth;
      if ((auth?.type === 'token_exchange' || auth?.type === 'authorization_code') && keys.length === 0) {
        problems.push(
          at(
            [section, name, 'auth'],
            `${auth.type} keeps each user's grant sealed in the grant store: set gateway.credentials.keys (openssl rand -base64 32)`,
          ),
        );
      }
      if (
        auth?.type === 'authorization_code' &&
        (auth.authorization_endpoint === undefined) !== (auth.token_endpoint === undefined)
      ) {
        problems.push(
          at(
            [section, name, 'auth'],
            'set both authorization_endpoint and token_endpoint, or neither (discovered)',
          ),
        );
      }
      if (auth?.type !== 'oauth_private_key_jwt') continue;
      if ((auth.private_key === undefined) === (auth.private_key_file === undefined)) {
        problems.push(at([section, name, 'auth'], 'set exactly one of private_key and private_key_file'));
      }
    }
  }
  return problems;
}
