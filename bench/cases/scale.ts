/** Case 4: many concurrent idle sessions on switchboard (stdio upstream), held, then a burst of calls. */
import type { IdleResult } from '../idle.js';
import { openFileLimit } from '../proc.js';
import { runJsonChild, stopProcess } from '../processes.js';
import { benchBackendYaml, startGateway } from '../targets.js';

/** The idle-session measurement plus how it was set up. */
export interface ScaleResult extends Partial<IdleResult> {
  requestedSessions: number;
  holdS: number;
  openFileLimit: number;
  note?: string;
}

/** Opens `sessions` idle sessions with the bare HTTP client, holds them `holdS` seconds, then bursts one call each. */
export async function scale(sessions: number, holdS: number): Promise<ScaleResult> {
  const limit = openFileLimit();
  const base = { requestedSessions: sessions, holdS, openFileLimit: limit };
  // Each held session costs one socket on the client and one on the gateway; keep headroom for everything else.
  const n = Math.min(sessions, limit - 1000);
  if (n < 100) return { ...base, note: `skipped: open-file limit ${limit} is too low (raise \`ulimit -n\`)` };
  const capped = n < sessions ? `capped at ${n} sessions by the open-file limit ${limit}; ` : '';
  let gw;
  try {
    // Idle sessions must outlive the hold; the default idle timeout (30 min) already does, stated for clarity.
    gw = await startGateway(`gateway:\n  session_idle_timeout: 30m\n${benchBackendYaml('stdio')}`);
  } catch (err) {
    return { ...base, note: `failed to start the gateway: ${String(err).slice(0, 300)}` };
  }
  try {
    const args = ['--url', gw.url, '--sessions', String(n), '--hold', String(holdS), '--pid', String(gw.pid)];
    const r = await runJsonChild<IdleResult>('idle', args, (holdS + 600) * 1000);
    return { ...base, ...r, note: capped ? capped.slice(0, -2) : undefined };
  } catch (err) {
    return { ...base, note: `${capped}idle load failed: ${String(err).slice(0, 300)}` };
  } finally {
    await stopProcess(gw.child);
  }
}
