/** `switchboard status`: reads a running gateway's /readyz and prints it as a table (or as JSON). */

/** What `switchboard status` needs. */
export interface StatusRequest {
  /** The gateway's base URL (its /mcp or /readyz URL works too). */
  url: string;
  /** An operator API key or bearer token, when the gateway authenticates clients. */
  credential?: string;
  json: boolean;
}

/** The status command failed: the gateway is unreachable or refused; the message is one line. */
export class StatusError extends Error {}

interface BackendView {
  kind?: string;
  state?: string;
  protocol?: string;
  lastError?: string;
  uptimeMs?: number;
  tools?: number;
  upstreamTools?: number;
  queue?: { depth?: number; running?: number; mode?: string; owner?: boolean };
}

interface Readiness {
  status?: string;
  version?: string;
  pid?: number;
  uptimeMs?: number;
  config?: string;
  configHash?: string;
  sessions?: number;
  tools?: number;
  requestsInFlight?: number;
  eras?: Record<string, Record<string, number>>;
  backends?: Record<string, BackendView>;
  disabled?: string[];
  collisions?: string[];
  reload?: { last?: string; at?: string; count?: number; error?: string };
  draining?: { backend: string; inFlight: number }[];
}

/** A gateway endpoint's URL for a base, /mcp or /readyz URL of the gateway (any query is dropped). */
export function gatewayPath(url: string, path: string): URL {
  const u = new URL(url);
  u.pathname = u.pathname.replace(/\/(mcp|readyz)\/?$/, '').replace(/\/$/, '') + path;
  u.search = '';
  return u;
}

/** The /readyz URL for a base, /mcp or /readyz URL. */
export function readyzUrl(url: string): URL {
  return gatewayPath(url, '/readyz');
}

/** The error for a gateway that could not be reached, naming the URL and the network error. */
export function unreachable(url: URL, err: unknown): StatusError {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  return new StatusError(
    `cannot reach ${url.href}: ${cause?.code ?? cause?.message ?? (err as Error).message} (is the gateway running? see --url)`,
  );
}

/** A duration as `3d4h`, `5m12s` or `800ms`. */
export function duration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let s = Math.floor(ms / 1000);
  const parts: [number, string][] = [];
  for (const [unit, n] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
  ] as const) {
    if (s >= n) parts.push([Math.floor(s / n), unit]);
    s %= n;
  }
  parts.push([s, 's']);
  return parts
    .slice(0, 2)
    .map(([n, u]) => `${n}${u}`)
    .join('');
}

async function fetchReadiness(req: StatusRequest): Promise<{ body: Readiness; status: number }> {
  const url = readyzUrl(req.url);
  let res: Response;
  try {
    res = await fetch(url, {
      headers: req.credential ? { authorization: `Bearer ${req.credential}` } : {},
      signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    throw unreachable(url, err);
  }
  const text = await res.text();
  if (res.status === 401 || res.status === 403) {
    let why = text;
    try {
      why = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? text;
    } catch {
      // not JSON: keep the text
    }
    const hint = req.credential
      ? 'the credential needs operator rights (an API key with operator: true, or the operator scope)'
      : 'pass an operator credential with --api-key or SWITCHBOARD_API_KEY / SWITCHBOARD_TOKEN';
    throw new StatusError(`${url.href} refused: HTTP ${res.status} ${why.trim()}; ${hint}`);
  }
  // 503 is a gateway that is shutting down: its body is still the status.
  if (!res.ok && res.status !== 503) throw new StatusError(`${url.href} answered HTTP ${res.status}`);
  let body: Readiness;
  try {
    body = JSON.parse(text) as Readiness;
  } catch {
    throw new StatusError(`${url.href} did not answer JSON (is it a switchboard gateway?)`);
  }
  // With authentication on, a request without a credential gets the status alone (for probes), not the detail.
  if (!req.credential && !('backends' in body)) {
    throw new StatusError(
      `${url.href} answered only its status ("${body.status ?? 'unknown'}"): authentication is on; pass an operator credential with --api-key or SWITCHBOARD_API_KEY / SWITCHBOARD_TOKEN`,
    );
  }
  return { body, status: res.status };
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd(),
  );
}

/** A backend's tools: those exposed, and the upstream's own count when filters or policies hide some. */
function toolCount(b: BackendView): string {
  const exposed = b.tools ?? 0;
  return b.upstreamTools !== undefined && b.upstreamTools !== exposed
    ? `${exposed} of ${b.upstreamTools}`
    : String(exposed);
}

function render(url: string, r: Readiness): string[] {
  const lines: string[] = [];
  const who = [r.version && `switchboard ${r.version}`, r.pid && `pid ${r.pid}`].filter(Boolean).join(', ');
  lines.push(`${url}: ${r.status ?? 'unknown'}${who ? ` (${who}, up ${duration(r.uptimeMs)})` : ''}`);
  const hash = r.configHash ? ` (sha256 ${r.configHash.slice(0, 12)})` : '';
  lines.push(`config:   ${r.config ?? '-'}${hash}`);
  const reload = r.reload
    ? `${r.reload.last} at ${r.reload.at} (${r.reload.count} reload(s))${r.reload.error ? `: ${r.reload.error}` : ''}`
    : 'none since start';
  lines.push(`reload:   ${reload}`);
  const modern = r.eras?.['2026-07-28'];
  const sessions = [
    `${r.eras?.['2025-11-25']?.sessions ?? r.sessions ?? 0} session(s) (2025-11-25 era)`,
    ...(modern
      ? [
          `${modern.listenStreams ?? 0} listen stream(s) (2026-07-28)`,
          `${modern.parkedCalls ?? 0} parked call(s)`,
        ]
      : []),
    ...(r.requestsInFlight !== undefined ? [`${r.requestsInFlight} request(s) in flight`] : []),
  ];
  lines.push(`sessions: ${sessions.join(', ')}`);
  const fromBackends = Object.values(r.backends ?? {}).reduce((n, b) => n + (b.tools ?? 0), 0);
  const others = (r.tools ?? 0) - fromBackends;
  const listed =
    others > 0
      ? ` (${fromBackends} of backends + ${others} of the gateway: smart_tool_discovery)`
      : others < 0
        ? ` (${fromBackends} callable: discovery lists only smart_tool_discovery)`
        : '';
  lines.push(`tools:    ${r.tools ?? 0} in tools/list${listed}`);
  lines.push('');
  const rows = [['BACKEND', 'KIND', 'STATE', 'ERA', 'TOOLS', 'QUEUE', 'UPTIME', 'LAST ERROR']];
  for (const [name, b] of Object.entries(r.backends ?? {})) {
    const queue = b.queue ? `${b.queue.depth ?? 0}${b.queue.running ? '+1' : ''}` : '-';
    rows.push([
      name,
      b.kind ?? '-',
      b.state ?? '-',
      b.protocol ?? '-',
      toolCount(b),
      queue,
      duration(b.uptimeMs),
      (b.lastError ?? '').split('\n')[0]!,
    ]);
  }
  lines.push(...table(rows));
  if (r.disabled?.length) lines.push('', `disabled: ${r.disabled.join(', ')}`);
  for (const d of r.draining ?? [])
    lines.push(`draining: ${d.backend} (${d.inFlight} call(s) in flight, after a reload)`);
  for (const c of r.collisions ?? []) lines.push(`collision: ${c}`);
  return lines;
}

/** Fetches the status and returns the lines to print; throws StatusError with one line when it cannot. */
export async function status(req: StatusRequest): Promise<string[]> {
  const { body } = await fetchReadiness(req);
  if (req.json) return [JSON.stringify(body, null, 2)];
  return render(readyzUrl(req.url).origin, body);
}
