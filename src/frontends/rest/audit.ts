import express, { type Router } from 'express';
import { problem, problemsFromGates, sendProblem } from './problem.js';
import type { Gates } from '../../server/http/app.js';
import { parseQuery } from '../../audit/query.js';
import type { AuditRecorder } from '../../audit/recorder.js';

/**
 * GET /v1/audit (operator only): the audit events, newest first, filtered by principal, tool, backend,
 * outcome, kind and time range, a page at a time (`next` is the cursor of the following page).
 */
export function auditRouter(recorder: AuditRecorder, gates: Gates): Router {
  const router = express.Router();
  const operator = [problemsFromGates, gates.guard, gates.operator];
  router.get('/audit', ...operator, (req, res, next) => {
    let query: ReturnType<typeof parseQuery>;
    try {
      query = parseQuery(req.query as Record<string, unknown>);
    } catch (err) {
      return sendProblem(res, problem('bad_request', (err as Error).message));
    }
    recorder.page(query.filter, query.limit, query.cursor).then(
      (page) => res.json(page),
      (err: unknown) => {
        const detail = `the audit stream cannot be read (${err instanceof Error ? err.message : String(err)})`;
        if (res.headersSent) return next(err);
        sendProblem(res, problem('unavailable', detail));
      },
    );
  });
  router.all('/audit', (req, res) => {
    res.setHeader('Allow', 'GET');
    sendProblem(res, problem('method_not_allowed', `/v1${req.path} takes GET`));
  });
  return router;
}
