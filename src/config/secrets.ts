import type { BackendSpec, GatewayConfig } from './model.js';

/** The password of a URL, if it has one. */
function urlPassword(url: string): string[] {
  try {
    const u = new URL(url);
    return u.password ? [decodeURIComponent(u.password), u.password] : [];
  } catch {
    return [];
  }
}

/**
 * A backend's configured secret values: upstream credentials, header values, URL passwords and, for a stdio
 * backend, its `env` values (a child's environment is where its credentials come from).
 */
export function backendSecrets(spec: BackendSpec): string[] {
  if (spec.kind === 'stdio') return Object.values(spec.env);
  const out = [...Object.values(spec.headers), ...urlPassword(spec.url)];
  const a = spec.auth;
  if (a?.type === 'bearer') out.push(a.token);
  else if (a?.type === 'api_key') out.push(a.key);
  else if (a?.type === 'query_param') out.push(a.value);
  else if (a?.type === 'basic') out.push(a.password);
  return out;
}

/** Every secret value the config holds, for masking in logged child output. */
export function configSecrets(config: GatewayConfig): string[] {
  const g = config.gateway;
  return [
    ...config.backends.flatMap(backendSecrets),
    ...(g.redis ? urlPassword(g.redis.url) : []),
    ...(g.requestStateSecret ? [g.requestStateSecret] : []),
    ...(g.discovery.embeddings?.apiKey ? [g.discovery.embeddings.apiKey] : []),
    ...(g.auth.signIn?.idp.clientSecret ? [g.auth.signIn.idp.clientSecret] : []),
  ];
}
