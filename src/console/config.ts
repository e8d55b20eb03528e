import { configSecrets } from '../config/secrets.js';
import type { GatewayConfig } from '../config/model.js';
import { maskSecrets, redactDeep } from '../log.js';

const CENSOR = '[redacted]';

/** Keys whose every value is a secret or may hold one: child environments, headers, key digests. */
const SECRET_MAPS = new Set(['env', 'headers']);
const SECRET_FIELDS = new Set(['sha256', 'requestStateSecret', 'request_state_secret', 'apiKey', 'api_key']);

/** The password in a URL's user info (`scheme://user:password@host`), for backends the secrets list lacks (disabled ones). */
const URL_PASSWORD = /(:\/\/[^/:@\s]*:)[^/@\s]+@/g;

/** The raw API key values of a loaded file (the model keeps their digests only). */
function apiKeys(config: GatewayConfig): string[] {
  return (config.source?.gateway?.auth?.api_keys ?? []).map((k) => k.key);
}

/**
 * The running configuration with secrets redacted, under the YAML keys of the file it was loaded from (`${VAR}`s
 * expanded; a config built in memory shows its internal model): every configured secret value masked wherever
 * it appears, secret-named keys censored (as in log lines), and `env` and `headers` values censored whatever
 * their names.
 */
export function redactedConfig(config: GatewayConfig): unknown {
  const secrets = [...configSecrets(config), ...apiKeys(config)];
  const walk = (value: unknown, key: string): unknown => {
    if (typeof value === 'string') return maskSecrets(value, secrets).replace(URL_PASSWORD, '$1[redacted]@');
    if (value === null || typeof value !== 'object') return value;
    if (Array.isArray(value)) return value.map((v) => walk(v, ''));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      if (SECRET_MAPS.has(key) || SECRET_FIELDS.has(k)) out[k] = CENSOR;
      else out[k] = walk(v, k);
    }
    return out;
  };
  const { file: _file, hash: _hash, secrets: _secrets, source, ...rest } = config;
  return redactDeep(walk(source ?? rest, ''));
}
