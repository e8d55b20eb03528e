import { readFile } from 'node:fs/promises';
import {
  ClientCredentialsProvider,
  createPrivateKeyJwtAuth,
  PrivateKeyJwtProvider,
  selectClientAuthMethod,
} from '@modelcontextprotocol/client';
import type { AddClientAuthentication, OAuthClientProvider } from '@modelcontextprotocol/client';
import type { Auth } from '../../config/schema-types.js';

type ClientCredentials = Extract<Auth, { type: 'oauth_client_credentials' }>;
type PrivateKeyJwt = Extract<Auth, { type: 'oauth_private_key_jwt' }>;

/**
 * A value as application/x-www-form-urlencoded writes it (RFC 6749 Appendix B): what HTTP Basic client
 * authentication encodes the client id and secret with before Base64 (RFC 6749 §2.3.1).
 */
export function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** The `Authorization` value of client_secret_basic: Base64 of the form-encoded id, a colon and the form-encoded secret. */
export function basicCredentials(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(secret)}`, 'utf8').toString('base64')}`;
}

/**
 * The SDK's client_credentials provider with a chosen client authentication method, RFC 6749's encoding of
 * Basic credentials (the SDK's helper Base64-encodes them raw, which servers that form-decode refuse when the
 * secret holds `+ / = % : &`), and an `audience`.
 */
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

  /** client_secret_basic or client_secret_post, chosen as the SDK would (setting, then the server's metadata). */
  readonly addClientAuthentication: AddClientAuthentication = (headers, params, _url, metadata) => {
    const info = this.clientInformation() as Parameters<typeof selectClientAuthMethod>[0];
    const method = selectClientAuthMethod(info, metadata?.token_endpoint_auth_methods_supported ?? []);
    const { client_id: id, client_secret: secret } = this.settings;
    if (method === 'client_secret_post') {
      params.set('client_id', id);
      params.set('client_secret', secret);
    } else headers.set('Authorization', basicCredentials(id, secret));
  };

  override prepareTokenRequest(scope?: string): URLSearchParams {
    return withAudience(super.prepareTokenRequest(scope), this.settings.audience);
  }
}

/** The SDK's private_key_jwt provider with the assertion's `aud` chosen here, and an `audience` parameter. */
class AssertionClient extends PrivateKeyJwtProvider {
  constructor(
    private readonly audience: string | undefined,
    assertionAudience: string,
    options: ConstructorParameters<typeof PrivateKeyJwtProvider>[0],
  ) {
    super(options);
    this.addClientAuthentication = createPrivateKeyJwtAuth({
      issuer: options.clientId,
      subject: options.clientId,
      privateKey: options.privateKey,
      alg: options.algorithm,
      audience: assertionAudience,
    });
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

/**
 * A fresh SDK client provider for one token request to the authorization server `issuer`; a private_key_jwt
 * assertion is signed for `assertionAudience`.
 */
export async function clientProvider(
  settings: ClientCredentials | PrivateKeyJwt,
  issuer: string,
  assertionAudience: string,
): Promise<OAuthClientProvider> {
  if (settings.type === 'oauth_client_credentials') return new SecretClient(settings, issuer);
  return new AssertionClient(settings.audience, assertionAudience, {
    clientId: settings.client_id,
    privateKey: await signingKey(settings),
    algorithm: settings.algorithm ?? 'RS256',
    scope: settings.scope,
    expectedIssuer: issuer,
  });
}
