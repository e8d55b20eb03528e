import type { GatewaySettings } from '../config/model.js';
import type { OriginPolicy } from '../server/http/security.js';
import type { AuthServer } from './index.js';
import type { SignInListener } from './interactions.js';

/**
 * Starts sign-in's authorization server when gateway.auth.sign_in is configured. The module is imported only
 * then: oidc-provider is large, and warns at import on Node 20.
 */
export async function loadSignIn(
  g: GatewaySettings,
  policy: () => OriginPolicy,
  signedIn?: SignInListener,
): Promise<AuthServer | undefined> {
  if (!g.auth.signIn) return undefined;
  const { AuthServer: Server } = await import('./index.js');
  return Server.start(g.auth.signIn, {
    redis: g.redis,
    policy,
    ...(signedIn ? { signedIn } : {}),
    ...(g.console.enabled ? { consolePath: g.console.path } : {}),
  });
}
