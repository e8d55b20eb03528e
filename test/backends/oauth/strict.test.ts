/**
 * Upstream OAuth against an authorization server as strict as the RFCs allow: form-encoded Basic credentials
 * (RFC 6749 §2.3.1), assertion audiences (RFC 7523 §3) under a path issuer, metadata without an
 * authorization_endpoint (RFC 8414), and discovery failures told in one sentence.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { connectClient, startGateway, text } from '../../helpers/gateway.js';
import { AuthorizationServer, type ServerOptions } from '../../fixtures/oauth/authorization-server.js';
import { ProtectedUpstream } from '../../fixtures/oauth/protected-upstream.js';
import { basicCredentials, formEncode } from '../../../src/backends/oauth/clients.js';

const stops: (() => Promise<void>)[] = [];
after(async () => {
  for (const stop of stops.reverse()) await stop();
});

/** An authorization server and an upstream that trusts it, both stopped after the file. */
async function pair(options: ServerOptions = {}) {
  const as = await new AuthorizationServer(options).start();
  const upstream = await new ProtectedUpstream(as).start();
  stops.push(
    () => as.stop(),
    () => upstream.stop(),
  );
  return { as, upstream };
}

function yaml(url: string, auth: string): string {
  return `httpServices:\n  api:\n    base_url: ${url}\n    restart: { max_attempts: 1 }\n    auth: ${auth}\n`;
}

async function whoami(url: URL): Promise<void> {
  const { client } = await connectClient(url);
  try {
    const result = await client.callTool({ name: 'api__whoami', arguments: {} });
    assert.notEqual(result.isError, true, text(result));
  } finally {
    await client.close();
  }
}

describe('client_secret_basic', () => {
  it('form-encodes the client id and secret before Base64 (RFC 6749 §2.3.1)', () => {
    assert.equal(formEncode('a+b/c=d%e:f&g h'), 'a%2Bb%2Fc%3Dd%25e%3Af%26g+h');
    const decoded = Buffer.from(basicCredentials('svc:crm', 'p+ss w%rd').slice(6), 'base64').toString();
    assert.equal(decoded, 'svc%3Acrm:p%2Bss+w%25rd');
  });

  it('gets a token for a secret holding + / = % : & and a space, and a client id with a colon', async () => {
    const { as, upstream } = await pair();
    const secret = 'Zx+9/aB==%41:&tail end';
    as.clients.set('svc:crm', { secret });
    const auth = `{ type: oauth_client_credentials, client_id: "svc:crm", client_secret: ${JSON.stringify(secret)} }`;
    const { gateway, url } = await startGateway(yaml(upstream.mcpUrl, auth));
    try {
      const backend = gateway.pool.get('api')!;
      assert.equal(backend.state, 'ready', backend.lastError);
      assert.equal(as.issued().at(-1)!.method, 'client_secret_basic');
      assert.equal(as.issued().at(-1)!.clientId, 'svc:crm');
      await whoami(url);
    } finally {
      await gateway.close();
    }
  });
});

describe('private_key_jwt', () => {
  async function signer(as: AuthorizationServer) {
    const keys = await generateKeyPair('ES256', { extractable: true });
    as.clients.set('signer', { jwks: [await exportJWK(keys.publicKey)] });
    return JSON.stringify(await exportPKCS8(keys.privateKey));
  }

  it('with a configured token_endpoint under a path issuer, signs for the token endpoint (RFC 7523 §3)', async () => {
    const { as, upstream } = await pair({ path: '/tenant-a' });
    const key = await signer(as);
    const auth = `{ type: oauth_private_key_jwt, client_id: signer, algorithm: ES256, private_key: ${key}, token_endpoint: "${as.tokenEndpoint}", resource: "${upstream.mcpUrl}" }`;
    const { gateway, url } = await startGateway(yaml(upstream.mcpUrl, auth));
    try {
      const backend = gateway.pool.get('api')!;
      assert.equal(backend.state, 'ready', backend.lastError);
      assert.equal(as.requests.at(-1)!.assertionAudience, as.tokenEndpoint);
      await whoami(url);
    } finally {
      await gateway.close();
    }
  });

  it('after discovery signs for the issuer its metadata names; assertion_audience overrides', async () => {
    const { as, upstream } = await pair({ path: '/tenant-b' });
    const key = await signer(as);
    const base = `type: oauth_private_key_jwt, client_id: signer, algorithm: ES256, private_key: ${key}`;
    const { gateway } = await startGateway(yaml(upstream.mcpUrl, `{ ${base} }`));
    try {
      assert.equal(gateway.pool.get('api')!.state, 'ready', gateway.pool.get('api')!.lastError);
      assert.equal(as.requests.at(-1)!.assertionAudience, as.issuer);
    } finally {
      await gateway.close();
    }
    const aud = `${as.issuer}/elsewhere`;
    const { gateway: g2 } = await startGateway(
      yaml(upstream.mcpUrl, `{ ${base}, assertion_audience: "${aud}" }`),
    );
    try {
      assert.equal(as.requests.at(-1)!.assertionAudience, aud);
      assert.match(g2.pool.get('api')!.lastError!, /invalid_client \(assertion refused: .*aud/);
    } finally {
      await g2.close();
    }
  });
});

describe('discovery', () => {
  it('accepts metadata without authorization_endpoint from a server under a path', async () => {
    const { as, upstream } = await pair({ path: '/m2m', authorizationEndpoint: false });
    as.clients.set('svc', { secret: 'm2m-secret-0123456789' });
    const auth = '{ type: oauth_client_credentials, client_id: svc, client_secret: m2m-secret-0123456789 }';
    const { gateway, url } = await startGateway(yaml(upstream.mcpUrl, auth));
    try {
      const backend = gateway.pool.get('api')!;
      assert.equal(backend.state, 'ready', backend.lastError);
      assert.equal(as.issued().length, 1);
      await whoami(url);
    } finally {
      await gateway.close();
    }
  });

  it('says why in one sentence when the metadata is unusable', async () => {
    const { as, upstream } = await pair({ claimedIssuer: 'https://impostor.example.com' });
    as.clients.set('svc', { secret: 'm2m-secret-0123456789' });
    const auth = '{ type: oauth_client_credentials, client_id: svc, client_secret: m2m-secret-0123456789 }';
    const { gateway } = await startGateway(yaml(upstream.mcpUrl, auth));
    try {
      const error = gateway.pool.get('api')!.lastError!;
      assert.match(
        error,
        new RegExp(
          `^connect failed: OAuth discovery for ${upstream.mcpUrl} failed: the authorization server's metadata at ${as.url}/\\.well-known/oauth-authorization-server is unusable: its issuer is https://impostor\\.example\\.com, not ${as.issuer}`,
        ),
      );
      assert.doesNotMatch(error, /[{}\n]|"code"|"path"/, 'one sentence, no validation dump');
    } finally {
      await gateway.close();
    }
  });
});
