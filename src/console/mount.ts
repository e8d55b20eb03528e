import type express from 'express';
import type { GatewaySettings } from '../config/model.js';
import type { Gates } from '../server/http/app.js';
import type { ConsoleApi } from './api.js';
import { consoleStatic } from './static.js';

/** Mounts the console's API at /v1 and, when enabled, its page at gateway.console.path. */
export function mountConsole(api: ConsoleApi, settings: GatewaySettings['console']) {
  return (app: express.Express, gates: Gates): void => {
    app.use('/v1', api.router(gates));
    if (settings.enabled) app.use(consoleStatic(settings.path, gates.guard));
  };
}
