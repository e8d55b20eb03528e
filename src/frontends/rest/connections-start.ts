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
            `no backend "${backend}" that users connect by authorization code is available to you`,
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
