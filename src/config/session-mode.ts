import type { ConfigProblem } from './errors.js';
import type { BackendCommon, SwitchboardConfig } from './schema-types.js';

type Located = (path: (string | number)[], message: string, onKey?: boolean) => ConfigProblem;

/** Headers that belong to the gateway's own HTTP exchange with the upstream and cannot be forwarded. */
const UNFORWARDABLE = new Set([
  'host',
  'connection',
  'content-length',
  'content-type',
  'accept',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'mcp-session-id',
  'mcp-protocol-version',
  'last-event-id',
]);

const PER_CLIENT_ONLY = ['idle_timeout', 'max_sessions', 'forward_headers'] as const;

function backendProblems(
  section: string,
  name: string,
  c: BackendCommon & { forward_headers?: string[]; auth?: { type?: string } },
  at: Located,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  // A backend acting as each user has one upstream session per user: per_client's settings apply to it.
  const perUser = ['token_exchange', 'per_user_secret', 'authorization_code'].includes(c.auth?.type ?? '');
  const perClient = c.session_mode === 'per_client' || perUser;
  if (!perClient) {
    for (const key of PER_CLIENT_ONLY) {
      if (c[key] !== undefined) {
        problems.push(at([section, name, key], `${key} applies only with session_mode: per_client`, true));
      }
    }
  }
  if (perClient && c.single_session) {
    problems.push(
      at(
        [section, name, perUser ? 'single_session' : 'session_mode'],
        perUser
          ? `auth: ${c.auth?.type} opens one upstream session per user; it cannot be combined with single_session: true`
          : 'session_mode: per_client opens one upstream session per client; it cannot be combined with single_session: true',
      ),
    );
  }
  (c.forward_headers ?? []).forEach((header, i) => {
    if (UNFORWARDABLE.has(header.toLowerCase())) {
      problems.push(
        at(
          [section, name, 'forward_headers', i],
          `"${header}" belongs to the gateway's own connection to the upstream and cannot be forwarded`,
        ),
      );
    }
  });
  return problems;
}

/** Problems with session_mode and its companion keys that the JSON Schema cannot express clearly. */
export function sessionModeProblems(raw: SwitchboardConfig, at: Located): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const section of ['mcpServers', 'httpServices', 'sseServices'] as const) {
    for (const [name, c] of Object.entries(raw[section] ?? {})) {
      problems.push(...backendProblems(section, name, c, at));
    }
  }
  return problems;
}
