import { getHeapSpaceStatistics } from 'node:v8';
import type { BackendState } from '../backends/backend.js';
import type { ObservedMetric, Observation } from '../telemetry/recorder.js';
import type { OpsView } from './view.js';
import { connectedObservations } from './user-counts.js';

const STATES: BackendState[] = ['connecting', 'ready', 'down', 'stopped'];

/** The gauges of /metrics, read from the gateway's state at each collection. */
export function gauges(view: OpsView): ObservedMetric[] {
  const perQueue = (pick: (q: ReturnType<OpsView['queues']>[number]) => number): Observation[] =>
    view.queues().map((q) => [pick(q), { backend: q.backend, mode: q.mode }]);
  return [
    {
      name: 'switchboard_backend_up',
      description: 'Whether a backend is connected and ready (1) or not (0); `state` is its current state.',
      kind: 'gauge',
      read: () =>
        view.backends().map((b) => [b.state === 'ready' ? 1 : 0, { backend: b.name, state: b.state }]),
    },
    {
      name: 'switchboard_backend_state',
      description: 'Backends by state: 1 for the state a backend is in, 0 for the others.',
      kind: 'gauge',
      read: () =>
        view
          .backends()
          .flatMap((b) =>
            STATES.map((s): Observation => [b.state === s ? 1 : 0, { backend: b.name, state: s }]),
          ),
    },
    {
      name: 'switchboard_sessions',
      description:
        'Open downstream sessions by protocol era (2026-07-28 has no sessions: its requests and listen streams open now).',
      kind: 'gauge',
      read: () => [
        [view.sessions(), { era: '2025-11-25' }],
        [view.openRequests(), { era: '2026-07-28' }],
      ],
    },
    {
      name: 'switchboard_sessions_evicted',
      description:
        'Idle 2025-era sessions evicted to admit new ones, by the cap that was reached (max_sessions, per_principal).',
      kind: 'counter',
      read: () => Object.entries(view.evicted()).map(([reason, n]): Observation => [n, { reason }]),
    },
    {
      name: 'switchboard_user_connections',
      description:
        'Users connected to a backend acting as each user (a stored grant or personal secret), across replicas sharing the store.',
      kind: 'gauge',
      read: () => connectedObservations(view.backends()),
    },
    {
      name: 'switchboard_user_sessions',
      description: 'Per-user upstream sessions open on this replica, for backends acting as each user.',
      kind: 'gauge',
      read: () =>
        view
          .backends()
          .filter((b) => b.perUser)
          .map((b): Observation => [b.clientSessions?.size ?? 0, { backend: b.name }]),
    },
    {
      name: 'switchboard_tools',
      description: 'Tools exposed in the merged catalog.',
      kind: 'gauge',
      read: () => [[view.snapshot().tools.length, {}]],
    },
    {
      name: 'switchboard_config_info',
      description: 'The active configuration: 1, labelled with the hash of its normalised content.',
      kind: 'gauge',
      read: () => [[1, { hash: view.configHash() }]],
    },
    {
      name: 'switchboard_config_last_reload_successful',
      description: 'Whether the last config reload applied (1) or was refused (0); 1 before any reload.',
      kind: 'gauge',
      read: () => [[view.reload()?.last === 'failed' ? 0 : 1, {}]],
    },
    {
      name: 'switchboard_queue_depth',
      description: 'Calls waiting for a single-session backend.',
      kind: 'gauge',
      read: () => perQueue((q) => q.depth),
    },
    {
      name: 'switchboard_queue_running',
      description: 'Calls running on a single-session backend (0 or 1).',
      kind: 'gauge',
      read: () => perQueue((q) => q.running),
    },
    {
      name: 'switchboard_queue_owner',
      description: 'Whether this replica holds the upstream session (1) or not (0).',
      kind: 'gauge',
      read: () => perQueue((q) => (q.owner === false ? 0 : 1)),
    },
    {
      name: 'switchboard_queue_calls',
      description: 'Calls submitted to a single-session queue on this replica, by outcome.',
      kind: 'counter',
      read: () =>
        view
          .queues()
          .flatMap((q) =>
            (['processed', 'failed', 'rejected'] as const).map((o): Observation => [
              q[o],
              { backend: q.backend, outcome: o },
            ]),
          ),
    },
    ...processMetrics(),
  ];
}

/**
 * The process's own memory and CPU, under the names Prometheus' Node.js clients use, so existing dashboards work
 * (gateway.heap_growth_percent is judged by these).
 */
function processMetrics(): ObservedMetric[] {
  const memory = (name: string, description: string, pick: (m: NodeJS.MemoryUsage) => number) => ({
    name,
    description,
    kind: 'gauge' as const,
    read: (): Observation[] => [[pick(process.memoryUsage()), {}]],
  });
  return [
    memory('process_resident_memory_bytes', 'Resident memory size in bytes.', (m) => m.rss),
    memory('nodejs_heap_size_total_bytes', 'JavaScript heap size (committed) in bytes.', (m) => m.heapTotal),
    memory('nodejs_heap_size_used_bytes', 'JavaScript heap in use, in bytes.', (m) => m.heapUsed),
    memory(
      'nodejs_external_memory_bytes',
      'Memory of C++ objects bound to JavaScript objects, in bytes.',
      (m) => m.external,
    ),
    {
      name: 'nodejs_heap_space_size_used_bytes',
      description: 'JavaScript heap in use per V8 heap space (new, old, code, large objects), in bytes.',
      kind: 'gauge',
      read: () =>
        getHeapSpaceStatistics().map((sp) => [
          sp.space_used_size,
          { space: sp.space_name.replace(/_space$/, '') },
        ]),
    },
    {
      name: 'process_cpu_seconds',
      description: 'User and system CPU time spent by the process, in seconds.',
      kind: 'counter',
      read: () => {
        const { user, system } = process.cpuUsage();
        return [[(user + system) / 1e6, {}]];
      },
    },
  ];
}
