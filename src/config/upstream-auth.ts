import { isAbsolute, resolve } from 'node:path';
import type { ConfigProblem } from './errors.js';
import type { Auth, SwitchboardConfig } from './schema-types.js';

type Located = (path: (string | number)[], message: string, onKey?: boolean) => ConfigProblem;

/** An upstream `auth` with paths made absolute against the config file's folder. */
export function upstreamAuth(auth: Auth | undefined, baseDir: string): Auth | undefined {
  if (auth?.type !== 'oauth_private_key_jwt' || auth.private_key_file === undefined) return auth;
  const file = auth.private_key_file;
  return { ...auth, private_key_file: isAbsolute(file) ? file : resolve(baseDir, file) };
}

/** Problems of upstream `auth` a schema cannot express: exactly one source for a private key. */
export function upstreamAuthProblems(raw: SwitchboardConfig, at: Located): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const section of ['httpServices', 'sseServices'] as const) {
    for (const [name, service] of Object.entries(raw[section] ?? {})) {
      const auth = service.auth;
      if (auth?.type !== 'oauth_private_key_jwt') continue;
      if ((auth.private_key === undefined) === (auth.private_key_file === undefined)) {
        problems.push(at([section, name, 'auth'], 'set exactly one of private_key and private_key_file'));
      }
    }
  }
  return problems;
}
