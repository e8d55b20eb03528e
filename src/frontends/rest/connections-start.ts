import express, { type Router } from 'express';
import type { AuthInfo } from '@modelcontextprotocol/server';
import type { ConnectFlows } from '../../backends/credentials/connect-flows.js';
import { principalOf } from '../../principal.js';
import type { Gates } from '../../server/http/app.js';
import { authOf } from '../../server/http/replies.js';
import { problem, problemsFromGates, sendProblem } from './problem.js';

/**
 * POST /v1/me/connections/{backend}: the page where the authenticated user connects a backend that acts as
 * each user by authorization code, ahead of calling it (`{ "authorization_url": … }`, single use, short-lived).
 */
export function connectionsStartRouter(
  flows: () => ConnectFlows,
  permitted: (auth: AuthInfo | undefined, backend: string) => boolean,
  gates: Gates,
): Router {
  const router = express.Router();
  router.post(
    '/me/connections/:backend',
    problemsFromGates,
    gates.guard,
    gates.auth,
    gates.rate,
    (req, res) => {
      const backend = String(req.params.backend);
      const auth = authOf(req);
      const principal = principalOf(auth);
      if (!principal) {
        return sendProblem(
          res,
          problem('unauthenticated', 'connecting a backend needs an authenticated user (gateway.auth)'),
        );
      }
      if (!flows().connectable(backend) || !permitted(auth, backend)) {
        return sendProblem(
          res,
          problem(
            'unknown_backend',
            `backend "${backend}" is not one you connect on a page (auth: authorization_code), or is not available to you`,
          ),
        );
      }
      flows()
        .begin(principal, backend)
        .then(
          (e) =>
            res.status(201).json({ authorization_url: e.url, backend, expires_in: flows().ttlMs / 1000 }),
          (err: unknown) =>
            sendProblem(res, problem('unavailable', `the connect page could not be made (${String(err)})`)),
        );
    },
  );
  return router;
}

/** The OpenAPI operation of POST /v1/me/connections/{backend} (the path's GET and DELETE are my-connections.ts'). */
export const START_CONNECTION_OPERATION = {
  operationId: 'startConnection',
  summary: 'A page where the caller connects a backend that acts as each user (authorization_code)',
  description:
    'Returns the URL of a single-use page (valid 10 minutes) that shows the backend and the caller and, on Connect, sends the browser to the backend’s authorization server (authorization code + PKCE). The grant is then stored for the caller, so later calls need no URL elicitation.',
  parameters: [{ name: 'backend', in: 'path', required: true, schema: { type: 'string' } }],
  responses: {
    '201': {
      description: 'The page to open',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            properties: {
              authorization_url: { type: 'string', format: 'uri' },
              backend: { type: 'string' },
              expires_in: { type: 'integer', description: 'Seconds the page stays valid' },
            },
            required: ['authorization_url', 'backend', 'expires_in'],
          },
        },
      },
    },
    '401': { $ref: '#/components/responses/Problem' },
    '403': { $ref: '#/components/responses/Problem' },
    '404': { $ref: '#/components/responses/Problem' },
    '429': { $ref: '#/components/responses/Problem' },
    '503': { $ref: '#/components/responses/Problem' },
  },
};
