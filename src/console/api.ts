import type { AuthInfo } from '@modelcontextprotocol/server';
import express, { type Router } from 'express';
import { problem, problemsFromGates, sendProblem } from '../frontends/rest/problem.js';
import { log } from '../log.js';
import type { OpsView } from '../ops/view.js';
import type { ReloadStatus } from '../config/reload-status.js';
import type { Grant } from '../registry/grant.js';
import type { Gates } from '../server/http/app.js';
import { backendRows, rowKey } from './backends.js';
import { redactedConfig } from './config.js';
import { openEventStream, type EventStream } from './events.js';
import { authOf } from '../server/http/replies.js';

/** What the console's API reads from the running gateway. */
export interface ConsoleHost {
  view: OpsView;
  /** What a principal may use (gateway.auth.policies); everything without authentication. */
  grant(auth: AuthInfo | undefined): Grant;
  /** Re-reads the config file and applies it, as SIGHUP does (`switchboard reload`). */
  reload(): Promise<ReloadStatus>;
}

/** How often open event streams are checked for changes no rebuild announces (queue depth, running calls). */
const QUEUE_TICK_MS = 1000;

/** The tools a grant permits in the current snapshot, as a key that changes when that list does. */
function toolsKey(view: OpsView, grant: Grant): string {
  const snapshot = view.snapshot();
  if (grant.all) return snapshot.signature.tools;
  return JSON.stringify(
    snapshot.tools.filter((t) => grant.tool(t.exposed, t.backend)).map((t) => [t.exposed, t.item]),
  );
}

/** The console's view of the config: redacted config, its short hash (and the file's full SHA-256), the last reload. */
function configBody(view: OpsView): Record<string, unknown> {
  const config = view.config();
  const reload = view.reload();
  return {
    file: config.file,
    hash: view.configHash(),
    ...(config.hash ? { sha256: config.hash } : {}),
    ...(reload ? { reload } : {}),
    disabled: config.disabled,
    config: redactedConfig(config),
  };
}

/**
 * The console's API besides REST, under /v1: GET /backends, /events (live changes), and for operators GET
 * /config and POST /config/reload.
 */
export class ConsoleApi {
  /** Open event streams, each with the function that pushes what changed for its principal. */
  private readonly streams = new Map<EventStream, (all: boolean) => void>();
  /** While streams are open: a periodic check for what changes without a catalog rebuild (queue depths). */
  private ticker?: NodeJS.Timeout;

  constructor(private readonly host: ConsoleHost) {}

  /** The router to mount at /v1. */
  router(gates: Gates): Router {
    const router = express.Router();
    const { view } = this.host;
    // Refusals of the shared gates are answered as problems, like the rest of /v1.
    const client = [problemsFromGates, gates.guard, gates.auth, gates.rate];
    const operator = [problemsFromGates, gates.guard, gates.operator];
    router.get('/backends', ...client, (req, res) => {
      res.json({ backends: backendRows(view, this.host.grant(authOf(req)), gates.isOperator(req)) });
    });
    router.get('/config', ...operator, (_req, res) => {
      res.json(configBody(view));
    });
    // A body-less POST, so a browser form from another origin is stopped by the Origin check like any request.
    router.post('/config/reload', ...operator, gates.drain.request, (_req, res, next) => {
      log.info('reload asked for over HTTP (POST /v1/config/reload)');
      this.host.reload().then((status) => {
        if (status.last === 'ok') return void res.json({ reload: status, hash: view.configHash() });
        const detail = `the config file was refused (${status.error ?? 'invalid'}); the running configuration was kept`;
        sendProblem(
          res,
          problem('config_invalid', detail, { problems: status.problems ?? [], reload: status }),
        );
      }, next);
    });
    router.get('/events', ...client, (req, res) => {
      const auth = authOf(req);
      const operator = gates.isOperator(req);
      const push = (all = true) => {
        // Read per change: a reload may change the policies while the stream is open.
        const grant = this.host.grant(auth);
        const rows = backendRows(view, grant, operator);
        stream.send('backends', { backends: rows }, rowKey(rows));
        if (!all) return;
        stream.send('tools', { version: view.snapshot().version }, toolsKey(view, grant));
        if (operator) {
          const reload = view.reload();
          stream.send('config', { hash: view.configHash(), ...(reload ? { reload } : {}) });
        }
      };
      const stream = openEventStream(res, () => {
        this.streams.delete(stream);
        if (!this.streams.size) clearInterval(this.ticker);
      });
      this.streams.set(stream, push);
      if (this.streams.size === 1) {
        this.ticker = setInterval(() => this.changed(false), QUEUE_TICK_MS);
        this.ticker.unref();
      }
      push();
    });
    router.all(['/backends', '/config', '/events'], (req, res) => {
      res.setHeader('Allow', 'GET');
      sendProblem(res, problem('method_not_allowed', `/v1${req.path} takes GET`));
    });
    router.all('/config/reload', (req, res) => {
      res.setHeader('Allow', 'POST');
      sendProblem(res, problem('method_not_allowed', `/v1${req.path} takes POST`));
    });
    return router;
  }

  /**
   * Pushes what changed to every open event stream; the gateway calls it after any backend, catalog or config
   * change, and a 1 s tick (`all` false) checks the backend rows alone (queue depths change without a rebuild).
   */
  changed(all = true): void {
    for (const push of this.streams.values()) {
      try {
        push(all);
      } catch (err) {
        log.error({ err: String(err) }, 'console event stream update failed');
      }
    }
  }

  /** Ends every open event stream (shutdown), so closing the listener does not wait for them. */
  close(): void {
    clearInterval(this.ticker);
    for (const s of [...this.streams.keys()]) s.close();
  }
}
