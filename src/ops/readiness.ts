import type { OpsView } from './view.js';

/** The /readyz body: config file, backends with state and catalog sizes, sessions, name collisions, reloads. */
export function readiness(view: OpsView): Record<string, unknown> {
  const snapshot = view.snapshot();
  const config = view.config();
  const reload = view.reload();
  const draining = view.draining().map((b) => ({ backend: b.name, inFlight: b.inFlight }));
  return {
    // Ready once every backend has had its first connection attempt (or gateway.startup_timeout has passed).
    status: view.starting() ? 'starting' : 'ready',
    config: config.file,
    sessions: view.sessions(),
    tools: snapshot.tools.length,
    backends: Object.fromEntries(
      view.backends().map((b) => {
        const queue = view.queue(b);
        return [
          b.name,
          {
            kind: b.spec.kind,
            // Ready once its tools are served: the snapshot is rebuilt a tick after the backend turns ready.
            state: b.state === 'ready' && !snapshot.served.has(b.name) ? 'connecting' : b.state,
            ...(b.era.version ? { protocol: b.era.version } : {}),
            ...(b.lastError ? { lastError: b.lastError } : {}),
            ...(b.uptimeMs !== undefined ? { uptimeMs: b.uptimeMs } : {}),
            ...(b.tokens
              ? { oauth: { tokenRequests: b.tokens.requests, expiresIn: b.tokens.expiresIn() } }
              : {}),
            tools: b.catalog.tools.length,
            resources: b.catalog.resources.length,
            prompts: b.catalog.prompts.length,
            ...(queue ? { queue } : {}),
          },
        ];
      }),
    ),
    disabled: config.disabled,
    collisions: snapshot.collisions.map((c) => c.message),
    ...(reload ? { reload } : {}),
    ...(draining.length ? { draining } : {}),
  };
}
