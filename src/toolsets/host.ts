/** What the tool sets take from the running gateway, read when used (a reload replaces the config). */
import type { AuditRecorder } from '../audit/recorder.js';
import type { Backend } from '../backends/backend.js';
import type { GatewayConfig } from '../config/model.js';
import type { RouteTable, UpstreamRunner } from '../dispatch/dispatch.js';
import type { Access } from '../server/relay/handlers.js';
import type { Peers } from '../server/relay/peers.js';
import type { InputSupport } from '../server/relay/relayed.js';
import type { Telemetry } from '../telemetry/recorder.js';
import type { SetAudience, SetHost } from './served.js';

/** The parts of the gateway tool sets are served from (structurally the Gateway). */
export interface SetGateway {
  readonly config: Pick<GatewayConfig, 'gateway' | 'toolsets'>;
  /** The whole catalog (the live catalog). */
  readonly catalog: RouteTable;
  readonly queues: { readonly runner: UpstreamRunner };
  readonly telemetry: Telemetry;
  /** The audit trail: set sessions and calls are recorded like the whole catalog's. */
  readonly audit: AuditRecorder;
  readonly access: Pick<Access, 'grant'>;
  readonly peers: Peers;
  readonly input: InputSupport;
  readonly pool: { get(name: string): Backend | undefined };
  /** 2025 sessions and attached sessions (WebSocket, legacy SSE, stdio), told of their own set's changes. */
  readonly sessions: SetAudience;
  readonly attached: SetAudience;
}

/** A gateway as the tool sets' host. */
export function setHost(g: SetGateway): SetHost {
  return {
    ...{ routes: g.catalog, runner: g.queues.runner, telemetry: g.telemetry },
    ...{ grant: g.access.grant, subscriptions: g.peers.subscriptions },
    discovery: () => g.config.gateway.discovery,
    indexed: (backend) => g.pool.get(backend)?.spec.discovery !== false,
    serverDeps: () => ({
      ...{ peers: g.peers, input: g.input, telemetry: g.telemetry, audit: g.audit },
      sessionMade: (server, front, auth) => g.audit.session(server, front, auth),
      relayPath: () => g.config.gateway.relayPath,
    }),
    audiences: [g.sessions, g.attached],
  };
}
