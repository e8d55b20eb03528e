import { ALLOW_ALL, type Grant } from '../registry/grant.js';
import type { Snapshot } from '../registry/catalog.js';
import type { OpsView } from './view.js';

/**
 * Tools of each backend a principal may use: in the merged catalog (the backend's `tools` filters applied) and
 * permitted by its policies. The one definition of a backend's tool count, in /readyz, `status` and the console.
 */
export function exposedPerBackend(snapshot: Snapshot, grant: Grant): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of snapshot.tools) {
    if (grant.all || grant.tool(t.exposed, t.backend))
      counts.set(t.backend, (counts.get(t.backend) ?? 0) + 1);
  }
  return counts;
}

/**
 * The /readyz body: config file, backends with state and catalog sizes, sessions, name collisions, reloads. Tool
 * counts are those of the caller (`grant`): `tools` is what its tools/list shows, a backend's `tools` what it
 * may use of that backend, beside `upstreamTools`, the upstream's own count.
 */
export function readiness(view: OpsView, grant: Grant = ALLOW_ALL): Record<string, unknown> {
  const snapshot = view.snapshot();
  const exposed = exposedPerBackend(snapshot, grant);
  const config = view.config();
  const reload = view.reload();
  const draining = view.draining().map((b) => ({ backend: b.name, inFlight: b.inFlight }));
  return {
    // Ready once every backend has had its first connection attempt (or gateway.startup_timeout has passed).
    status: view.starting() ? 'starting' : 'ready',
    config: config.file,
    sessions: view.sessions(),
    tools: view.listedTools(grant).length,
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
            tools: exposed.get(b.name) ?? 0,
            upstreamTools: b.catalog.tools.length,
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
