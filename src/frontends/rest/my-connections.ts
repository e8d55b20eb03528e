import express, { type Request, type Response, type Router } from 'express';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { ConnectionRevokeError, type UserConnections } from '../../backends/credentials/connections.js';
import { log } from '../../log.js';
import { principalOf } from '../../principal.js';
import type { Grant } from '../../registry/grant.js';
import type { Gates } from '../../server/http/app.js';
import { authOf } from '../../server/http/replies.js';
import { problem, problemsFromGates, sendProblem } from './problem.js';

/** A backend as the connection routes see it: those acting as each user have `perUser`. */
export interface ConnectableBackend {
  name: string;
  perUser?: { mode: string; connections: UserConnections };
  clientSessions?: { close(id: string): Promise<void> };
}

/** What GET/DELETE /v1/me/connections read from the gateway. */
export interface MyConnectionsDeps {
  backends(): ConnectableBackend[];
  /** What a principal may use: a backend it may not use is not listed. */
  grant(auth: AuthInfo | undefined): Grant;
}

/** One row of GET /v1/me/connections: never a token or a secret. */
export interface ConnectionRow {
  backend: string;
  mode: string;
  connected: boolean;
  obtainedAt?: string;
  expiresAt?: string;
  scope?: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The caller's connection to every per-user backend it may use, in config order. */
export async function connectionsOf(
  deps: MyConnectionsDeps,
  auth: AuthInfo | undefined,
  principal: string,
): Promise<ConnectionRow[]> {
  const grant = deps.grant(auth);
  const acting = deps.backends().filter((b) => b.perUser && (grant.all || grant.backend(b.name)));
  return Promise.all(
    acting.map(async (b) => {
      const state = await b.perUser!.connections.state(principal);
      const obtainedAt = iso(state.obtainedAt);
      const expiresAt = iso(state.expiresAt);
      return {
        backend: b.name,
        mode: b.perUser!.mode,
        connected: state.connected,
        ...(obtainedAt && { obtainedAt }),
        ...(expiresAt && { expiresAt }),
        ...(state.scope && { scope: state.scope }),
      };
    }),
  );
}

/**
 * GET /v1/me/connections (the caller's connections to backends acting as each user) and
 * DELETE /v1/me/connections/{backend} (revoke one: the stored grant or secret is dropped, and the caller's
 * upstream session for that backend closed, so that its next call starts afresh). Mounted at /v1, before the
 * REST API; other methods on /me/connections/{backend} pass on (POST starts a connection elsewhere).
 */
export function myConnectionsRouter(deps: MyConnectionsDeps, gates: Gates): Router {
  const router = express.Router();
  const client = [problemsFromGates, gates.guard, gates.auth, gates.rate];
  /** The caller's typed principal, or a 401 problem sent. */
  const caller = (req: Request, res: Response): string | undefined => {
    const principal = principalOf(authOf(req));
    if (principal) return principal;
    const why =
      'connections belong to an authenticated user; this gateway has no client authentication (gateway.auth)';
    sendProblem(res, problem('unauthenticated', why));
    return undefined;
  };
  const failed = (res: Response, err: unknown) => {
    const detail = `the connection store cannot be read (${err instanceof Error ? err.message : String(err)})`;
    log.error({ err: String(err) }, 'connections request failed');
    sendProblem(res, problem('unavailable', detail));
  };

  router.get('/me/connections', ...client, (req, res) => {
    const principal = caller(req, res);
    if (!principal) return;
    connectionsOf(deps, authOf(req), principal).then(
      (connections) => res.json({ principal, connections }),
      (err: unknown) => failed(res, err),
    );
  });
  router.all('/me/connections', (req, res) => {
    res.setHeader('Allow', 'GET');
    sendProblem(res, problem('method_not_allowed', `/v1${req.path} takes GET`));
  });

  router.delete('/me/connections/:backend', ...client, (req, res) => {
    const principal = caller(req, res);
    if (!principal) return;
    const name = String(req.params.backend);
    const grant = deps.grant(authOf(req));
    const backend = deps.backends().find((b) => b.name === name && (grant.all || grant.backend(b.name)));
    if (!backend?.perUser) {
      const why = backend
        ? `backend "${name}" does not act as each user: there is no connection of yours to revoke`
        : `Unknown backend: ${name}`;
      return sendProblem(res, problem('unknown_backend', why, { backend: name }));
    }
    const revoke = async () => {
      let revoked: boolean;
      try {
        revoked = await backend.perUser!.connections.revoke(principal);
      } finally {
        // Closed even if revoking failed, so that the next call checks the credential again.
        await backend.clientSessions?.close(principal);
      }
      log.info({ principal, backend: name, revoked }, 'connection revoked (DELETE /v1/me/connections)');
      res.json({ backend: name, revoked });
    };
    revoke().catch((err: unknown) => {
      if (err instanceof ConnectionRevokeError)
        return sendProblem(res, problem('not_revocable', err.message, { backend: name }));
      failed(res, err);
    });
  });
  return router;
}

const problemRef = { $ref: '#/components/responses/Problem' };
const backendParam = { name: 'backend', in: 'path', required: true, schema: { type: 'string' } };

/** GET /v1/me/connections and DELETE /v1/me/connections/{backend} in the OpenAPI document of the REST API. */
export const MY_CONNECTIONS_PATHS = {
  '/v1/me/connections': {
    get: {
      operationId: 'listMyConnections',
      summary: "The caller's connections to backends acting as each user (never a token or secret)",
      responses: {
        '200': {
          description: 'The typed principal and one row per per-user backend it may use',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  principal: { type: 'string', description: '`key:<name>` or `jwt:<issuer>:<sub>`' },
                  connections: {
                    type: 'array',
                    items: {
                      type: 'object',
                      properties: {
                        backend: { type: 'string' },
                        mode: { type: 'string', description: "The backend's auth.type" },
                        connected: { type: 'boolean' },
                        obtainedAt: { type: 'string', format: 'date-time' },
                        expiresAt: { type: 'string', format: 'date-time' },
                        scope: { type: 'string' },
                      },
                      required: ['backend', 'mode', 'connected'],
                    },
                  },
                },
                required: ['principal', 'connections'],
              },
            },
          },
        },
        '401': problemRef,
        '403': problemRef,
        '429': problemRef,
        '503': problemRef,
      },
    },
  },
  '/v1/me/connections/{backend}': {
    delete: {
      operationId: 'revokeMyConnection',
      summary:
        "Revokes the caller's connection to a backend: its grant or secret dropped, its upstream session closed",
      parameters: [backendParam],
      responses: {
        '200': {
          description: 'Whether there was a connection to revoke',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: { backend: { type: 'string' }, revoked: { type: 'boolean' } },
                required: ['backend', 'revoked'],
              },
            },
          },
        },
        '401': problemRef,
        '403': problemRef,
        '404': problemRef,
        '409': problemRef,
        '429': problemRef,
        '503': problemRef,
      },
    },
  },
};
