/**
 * The real peers of a `token_exchange` gateway test: the fixture authorization server (exchange client
 * `gateway`), a protected upstream trusting it, and an identity provider's JWKS whose tokens it exchanges.
 */
import assert from 'node:assert/strict';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { AuthorizationServer } from '../../fixtures/oauth/authorization-server.js';
import { ProtectedUpstream } from '../../fixtures/oauth/protected-upstream.js';
import { text } from '../../helpers/gateway.js';
import { ISSUER, JwksServer, makeKey, sign, type SigningKey } from '../../helpers/jwt.js';

/** The running peers, and what tests ask of them. */
export interface ExchangePeers {
  as: AuthorizationServer;
  upstream: ProtectedUpstream;
  key: SigningKey;
  jwksUrl: string;
  /** The `auth` block of a backend exchanging at `as` for `upstream` (its /mcp resource, or `resource`). */
  auth(resource?: string): string;
  /** Token exchanges the authorization server granted for a subject. */
  exchangesOf(sub: string): number;
  /** A caller's bearer token from the trusted identity provider. */
  bearer(sub: string): Promise<string>;
  close(): Promise<void>;
}

/** Starts the peers; `secret` is the exchange client's secret. */
export async function startExchangePeers(secret: string): Promise<ExchangePeers> {
  const as = await new AuthorizationServer().start();
  as.clients.set('gateway', { secret });
  const upstream = await new ProtectedUpstream(as).start();
  const key = await makeKey('idp-1');
  as.trustSubjects(ISSUER, { keys: [key.jwk] });
  const jwks = new JwksServer();
  jwks.keys = [key.jwk];
  const jwksUrl = await jwks.start();
  return {
    as,
    upstream,
    key,
    jwksUrl,
    auth: (resource = upstream.mcpUrl) =>
      `{ type: token_exchange, token_endpoint: ${as.tokenEndpoint}, client_id: gateway, client_secret: ${secret}, resource: ${resource}, scope: repo }`,
    exchangesOf: (sub) =>
      as.issued().filter((r) => r.grantType?.endsWith('token-exchange') && r.subject === sub).length,
    bearer: (sub) => sign(key, { sub }),
    async close() {
      await jwks.close();
      await upstream.stop();
      await as.stop();
    },
  };
}

/** An SDK client of the gateway at `url` with a bearer token, in the 2025 or 2026 era. */
export async function connectAs(url: URL, bearer: string, modern = false): Promise<Client> {
  const client = new Client(
    { name: 'exchange-test', version: '1.0.0' },
    modern ? { versionNegotiation: { mode: 'auto' } } : {},
  );
  const headers = { authorization: `Bearer ${bearer}` };
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

/** Calls the upstream's whoami through the gateway (backend `gh`, or `backend`): the subject and token id it saw. */
export async function whoami(client: Client, backend = 'gh'): Promise<{ client: string; jti: string }> {
  const result = await client.callTool({ name: `${backend}__whoami`, arguments: {} });
  assert.ok(!result.isError, text(result));
  return JSON.parse(text(result)) as { client: string; jti: string };
}
