/** OAuth machine-to-machine credentials toward upstreams, against a real authorization server and a protected upstream. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { connectClient, startGateway, text, waitFor } from '../../helpers/gateway.js';
import { AuthorizationServer } from '../../fixtures/oauth/authorization-server.js';
import { ProtectedUpstream } from '../../fixtures/oauth/protected-upstream.js';
import type { Gateway } from '../../../src/gateway.js';

const SECRET = 'sw-secret-0123456789abcdef';

let as: AuthorizationServer;
let upstream: ProtectedUpstream;

before(async () => {
  as = await new AuthorizationServer().start();
  as.clients.set('switchboard', { secret: SECRET });
  upstream = await new ProtectedUpstream(as).start();
});
after(async () => {
  await upstream.stop();
  await as.stop();
});

function yaml(section: 'httpServices' | 'sseServices', url: string, auth: string, extra = ''): string {
  return `${section}:\n  api:\n    base_url: ${url}\n    restart: { initial_delay: 100ms, max_delay: 300ms }\n    auth: ${auth}\n${extra}`;
}

function secretAuth(more = ''): string {
  return `{ type: oauth_client_credentials, client_id: switchboard, client_secret: "${SECRET}"${more} }`;
}

async function whoami(client: Awaited<ReturnType<typeof connectClient>>['client']): Promise<string> {
  const result = await client.callTool({ name: 'api__whoami', arguments: {} });
  assert.notEqual(result.isError, true, text(result));
  return (JSON.parse(text(result)) as { jti: string }).jti;
}

function readyz(gateway: Gateway): string {
  return JSON.stringify(gateway.readiness());
}

describe('OAuth client credentials toward an upstream', () => {
  it('sends a published resource exactly as published: a bare origin gets no trailing "/"', async () => {
    const bare = new ProtectedUpstream(as);
    bare.published = 'origin';
    await bare.start();
    const issued = as.issued().length;
    const { gateway } = await startGateway(yaml('httpServices', bare.mcpUrl, secretAuth()));
    try {
      const seen = as.issued().slice(issued);
      assert.equal(seen[0]?.resource, new URL(bare.mcpUrl).origin);
      assert.equal(gateway.pool.get('api')?.state, 'ready', readyz(gateway));
    } finally {
      await gateway.close();
      await bare.stop();
    }
  });

  it('discovers the authorization server from the 401, fetches a token on first use and sends the resource', async () => {
    const issued = as.issued().length;
    const refused = upstream.refusals.length;
    const { gateway, url } = await startGateway(yaml('httpServices', upstream.mcpUrl, secretAuth()));
    try {
      assert.equal(gateway.pool.get('api')?.state, 'ready', readyz(gateway));
      const seen = as.issued().slice(issued);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.method, 'client_secret_basic');
      assert.equal(
        seen[0]!.resource,
        upstream.mcpUrl,
        'RFC 8707 resource from the protected-resource metadata',
      );
      // The only refusal is the unauthenticated first request that told the gateway where to get a token.
      assert.deepEqual(upstream.refusals.slice(refused), ['no token']);
      const { client } = await connectClient(url);
      assert.ok(await whoami(client));
      await client.close();
      assert.doesNotMatch(readyz(gateway), new RegExp(`${SECRET}|${[...upstream.tokens].join('|')}`));
      const backends = gateway.readiness().backends as Record<string, { oauth?: { tokenRequests: number } }>;
      assert.equal(backends.api!.oauth!.tokenRequests, 1);
    } finally {
      await gateway.close();
    }
  });

  it('uses a configured token endpoint with client_secret_post, scope and audience, before any request', async () => {
    const audienceUpstream = await new ProtectedUpstream(as, ['https://api.example.com']).start();
    const issued = as.issued().length;
    const auth = secretAuth(
      `, token_endpoint: "${as.tokenEndpoint}", token_endpoint_auth_method: client_secret_post, scope: "mcp read", audience: "https://api.example.com"`,
    );
    const { gateway, url } = await startGateway(
      yaml('httpServices', audienceUpstream.mcpUrl, auth, '    single_session: true\n'),
    );
    try {
      const seen = as.issued().slice(issued);
      assert.equal(seen.length, 1);
      assert.deepEqual(
        {
          method: seen[0]!.method,
          scope: seen[0]!.scope,
          audience: seen[0]!.audience,
          resource: seen[0]!.resource,
        },
        {
          method: 'client_secret_post',
          scope: 'mcp read',
          audience: 'https://api.example.com',
          resource: undefined,
        },
      );
      assert.deepEqual(audienceUpstream.refusals, [], 'the token was there before the first request');
      const { client } = await connectClient(url);
      assert.ok(await whoami(client));
      await client.close();
    } finally {
      await gateway.close();
      await audienceUpstream.stop();
    }
  });

  it('refreshes a short-lived token before it expires, and after a 401 retries the call once', async () => {
    as.ttlSeconds = 2;
    const { gateway, url } = await startGateway(
      yaml(
        'httpServices',
        upstream.mcpUrl,
        secretAuth(`, token_endpoint: "${as.tokenEndpoint}", resource: "${upstream.mcpUrl}"`),
      ),
    );
    const { client } = await connectClient(url);
    try {
      const refused = upstream.refusals.length;
      const issued = as.issued().length;
      const first = await whoami(client);
      // Keep calling until the token changes: it must change without the upstream ever refusing one.
      await waitFor(async () => (await whoami(client)) !== first, 10_000, 'a refreshed token');
      assert.equal(
        upstream.refusals.length,
        refused,
        `refused: ${upstream.refusals.slice(refused).join(', ')}`,
      );
      assert.ok(as.issued().length > issued);

      as.ttlSeconds = 3600;
      const before = await whoami(client);
      const issuedBefore = as.issued().length;
      upstream.revokeAll();
      const after = await whoami(client);
      assert.notEqual(after, before, 'the call was retried with a new token');
      assert.deepEqual(upstream.refusals.slice(-1), ['token revoked']);
      assert.equal(as.issued().length, issuedBefore + 1);
    } finally {
      as.ttlSeconds = 3600;
      await client.close();
      await gateway.close();
    }
  });

  it('keeps using a still-valid token when an early refresh fails', async () => {
    as.ttlSeconds = 6;
    const { gateway, url } = await startGateway(
      yaml(
        'httpServices',
        upstream.mcpUrl,
        secretAuth(`, token_endpoint: "${as.tokenEndpoint}", resource: "${upstream.mcpUrl}"`),
      ),
    );
    const { client } = await connectClient(url);
    const failures = () => as.requests.filter((r) => r.error).length;
    try {
      const first = await whoami(client);
      as.mode = 'fail';
      const before = failures();
      const jtis: string[] = [];
      // Past three quarters of the lifetime the gateway tries to renew; the renewal fails and the old token is used.
      await waitFor(
        async () => {
          jtis.push(await whoami(client));
          return failures() > before;
        },
        10_000,
        'a failed early renewal',
      );
      jtis.push(await whoami(client));
      assert.deepEqual(new Set(jtis), new Set([first]));
    } finally {
      as.mode = 'ok';
      as.ttlSeconds = 3600;
      await client.close();
      await gateway.close();
    }
  });

  it('merges the refreshes of concurrent calls refused with 401 into one token request', async () => {
    const { gateway, url } = await startGateway(
      yaml(
        'httpServices',
        upstream.mcpUrl,
        secretAuth(`, token_endpoint: "${as.tokenEndpoint}", resource: "${upstream.mcpUrl}"`),
      ),
    );
    const { client } = await connectClient(url);
    try {
      await whoami(client);
      upstream.revokeAll();
      const issued = as.issued().length;
      const jtis = await Promise.all(Array.from({ length: 10 }, () => whoami(client)));
      assert.equal(new Set(jtis).size, 1, 'every call was retried with the same new token');
      assert.equal(as.issued().length, issued + 1);
    } finally {
      await client.close();
      await gateway.close();
    }
  });

  it('shares one token among per-client upstream sessions opened at once', async () => {
    const issued = as.issued().length;
    const { gateway, url } = await startGateway(
      yaml('httpServices', upstream.mcpUrl, secretAuth(), '    session_mode: per_client\n'),
    );
    const clients = await Promise.all(Array.from({ length: 4 }, () => connectClient(url)));
    try {
      const jtis = await Promise.all(clients.map(({ client }) => whoami(client)));
      assert.equal(new Set(jtis).size, 1);
      assert.equal(
        as.issued().length,
        issued + 1,
        'one token for the shared connection and all client sessions',
      );
    } finally {
      for (const { client } of clients) await client.close();
      await gateway.close();
    }
  });

  it('works over legacy SSE', async () => {
    const { gateway, url } = await startGateway(yaml('sseServices', upstream.sseUrl, secretAuth()));
    const { client } = await connectClient(url);
    try {
      assert.ok(await whoami(client));
    } finally {
      await client.close();
      await gateway.close();
    }
  });

  it('marks the backend down naming the endpoint and the OAuth error, never the secret, and recovers', async () => {
    as.mode = 'fail';
    const { gateway, url } = await startGateway(
      yaml(
        'httpServices',
        upstream.mcpUrl,
        secretAuth(`, token_endpoint: "${as.tokenEndpoint}", resource: "${upstream.mcpUrl}"`),
      ),
    );
    const { client } = await connectClient(url);
    try {
      const backend = gateway.pool.get('api')!;
      assert.equal(backend.state, 'down');
      assert.match(
        backend.lastError!,
        new RegExp(`OAuth token request to ${as.tokenEndpoint} failed: temporarily_unavailable`),
      );
      as.mode = 'ok';
      await waitFor(() => backend.state === 'ready', 10_000, 'recovery once the endpoint answers');
      await whoami(client);
      // The endpoint fails while a call needs a new token: the call fails and the backend goes down.
      as.mode = 'fail';
      upstream.revokeAll();
      const result = await client.callTool({ name: 'api__whoami', arguments: {} });
      assert.equal(result.isError, true);
      assert.match(text(result), /backend "api" is (down|connecting).*temporarily_unavailable/);
      await waitFor(() => backend.state === 'down', 5000, 'the backend marked down');
      assert.match(backend.lastError!, /temporarily_unavailable/);
      assert.doesNotMatch(readyz(gateway) + text(result), new RegExp(SECRET));
    } finally {
      as.mode = 'ok';
      await client.close();
      await gateway.close();
    }
  });

  it('names invalid_client for a bad secret, and an unreachable endpoint by its cause', async () => {
    const bad = `{ type: oauth_client_credentials, client_id: switchboard, client_secret: "wrong-secret-value", token_endpoint: "${as.tokenEndpoint}" }`;
    const { gateway } = await startGateway(yaml('httpServices', upstream.mcpUrl, bad));
    try {
      const error = gateway.pool.get('api')!.lastError!;
      assert.match(error, /invalid_client \(bad client id or secret\)/);
      assert.doesNotMatch(readyz(gateway), /wrong-secret-value/);
    } finally {
      await gateway.close();
    }
    const nowhere = await new AuthorizationServer().start();
    await nowhere.stop();
    const { gateway: g2 } = await startGateway(
      yaml('httpServices', upstream.mcpUrl, secretAuth(`, token_endpoint: "${nowhere.tokenEndpoint}"`)),
    );
    try {
      assert.match(
        g2.pool.get('api')!.lastError!,
        new RegExp(`OAuth token request to ${nowhere.tokenEndpoint} failed: unreachable \\(ECONNREFUSED\\)`),
      );
    } finally {
      await g2.close();
    }
  });
});

describe('OAuth tokens an upstream will not accept', () => {
  it('marks the backend down saying a fresh token was refused', async () => {
    const picky = await new ProtectedUpstream(as, ['https://somewhere-else.example.com']).start();
    const { gateway } = await startGateway(yaml('httpServices', picky.mcpUrl, secretAuth()));
    try {
      const backend = gateway.pool.get('api')!;
      assert.equal(backend.state, 'down');
      assert.match(
        backend.lastError!,
        /refused a freshly fetched access token \(HTTP 401\); check the scope, resource and audience/,
      );
    } finally {
      await gateway.close();
      await picky.stop();
    }
  });
});

describe('OAuth private_key_jwt toward an upstream', () => {
  it('signs assertions with the key file, and a rotated key takes effect at the next token request', async () => {
    const one = await generateKeyPair('ES256', { extractable: true });
    const two = await generateKeyPair('ES256', { extractable: true });
    as.clients.set('signer', { jwks: [await exportJWK(one.publicKey)] });
    const file = `${process.env.TMPDIR ?? '/tmp'}/switchboard-oauth-key-${process.pid}.pem`;
    writeFileSync(file, await exportPKCS8(one.privateKey));
    const auth = `{ type: oauth_private_key_jwt, client_id: signer, private_key_file: "${file}", algorithm: ES256 }`;
    const { gateway, url } = await startGateway(yaml('httpServices', upstream.mcpUrl, auth));
    const { client } = await connectClient(url);
    try {
      const first = await whoami(client);
      assert.equal(as.issued().at(-1)!.method, 'private_key_jwt');
      // Rotation: the client's new public key replaces the old one at the authorization server.
      writeFileSync(file, JSON.stringify(await exportJWK(two.privateKey)));
      as.clients.set('signer', { jwks: [await exportJWK(two.publicKey)] });
      upstream.revokeAll();
      const second = await whoami(client);
      assert.notEqual(second, first);
      assert.equal(as.requests.at(-1)!.error, undefined);
      assert.equal(as.requests.at(-1)!.clientId, 'signer');
    } finally {
      await client.close();
      await gateway.close();
    }
  });
});
