import { readFile } from 'node:fs/promises';
import { ClientCredentialsProvider, PrivateKeyJwtProvider } from '@modelcontextprotocol/client';
import type { OAuthClientProvider } from '@modelcontextprotocol/client';
import type { Auth } from '../config/schema-types.js';

type ClientCredentials = Extract<Auth, { type: 'oauth_client_credentials' }>;
type PrivateKeyJwt = Extract<Auth, { type: 'oauth_private_key_jwt' }>;

/** The SDK's client_credentials provider with a chosen client authentication method and an `audience`. */
class SecretClient extends ClientCredentialsProvider {
  constructor(
    private readonly settings: ClientCredentials,
    issuer: string,
  ) {
    super({
      clientId: settings.client_id,
      clientSecret: settings.client_secret,
      scope: settings.scope,
      expectedIssuer: issuer,
    });
  }

  override clientInformation(): ReturnType<ClientCredentialsProvider['clientInformation']> {
    const method = this.settings.token_endpoint_auth_method;
    return { ...super.clientInformation(), ...(method ? { token_endpoint_auth_method: method } : {}) };
  }

  override prepareTokenRequest(scope?: string): URLSearchParams {
    return withAudience(super.prepareTokenRequest(scope), this.settings.audience);
  }
}

/** The SDK's private_key_jwt provider with an `audience`. */
class AssertionClient extends PrivateKeyJwtProvider {
  constructor(
    private readonly audience: string | undefined,
    options: ConstructorParameters<typeof PrivateKeyJwtProvider>[0],
  ) {
    super(options);
  }

  override prepareTokenRequest(scope?: string): URLSearchParams {
    return withAudience(super.prepareTokenRequest(scope), this.audience);
  }
}

function withAudience(params: URLSearchParams, audience: string | undefined): URLSearchParams {
  if (audience) params.set('audience', audience);
  return params;
}

/** A PEM string as is; a JWK given as JSON as an object. */
function parseKey(text: string): string | Record<string, unknown> {
  const trimmed = text.trim();
  return trimmed.startsWith('{') ? (JSON.parse(trimmed) as Record<string, unknown>) : trimmed;
}

async function signingKey(settings: PrivateKeyJwt): Promise<string | Record<string, unknown>> {
  // The file is read for every token request, so replacing it rotates the key without a reload.
  const text = settings.private_key ?? (await readFile(settings.private_key_file!, 'utf8'));
  return parseKey(text);
}

/** A fresh SDK client provider for one token request to the authorization server `issuer`. */
export async function clientProvider(
  settings: ClientCredentials | PrivateKeyJwt,
  issuer: string,
): Promise<OAuthClientProvider> {
  if (settings.type === 'oauth_client_credentials') return new SecretClient(settings, issuer);
  return new AssertionClient(settings.audience, {
    clientId: settings.client_id,
    privateKey: await signingKey(settings),
    algorithm: settings.algorithm ?? 'RS256',
    scope: settings.scope,
    expectedIssuer: issuer,
  });
}
