/** Peer gateways (supergateway, mcp-proxy), installed on demand into bench/.peers, never as project dependencies. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes.js';

/** The peer gateways compared against. */
export const PEERS = ['supergateway', 'mcp-proxy'] as const;
/** One of PEERS. */
export type PeerName = (typeof PEERS)[number];

const PREFIX = join(ROOT, 'bench/.peers');
const SPECS: Record<PeerName, string> = { supergateway: 'supergateway@^4', 'mcp-proxy': 'mcp-proxy@^6' };

function packageJson(name: PeerName): { version: string; bin: Record<string, string> } | undefined {
  const file = join(PREFIX, 'node_modules', name, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as never) : undefined;
}

/** The installed version of a peer, if any. */
export function peerVersion(name: PeerName): string | undefined {
  return packageJson(name)?.version;
}

/** The JavaScript entry point of a peer's command-line tool. */
export function peerEntry(name: PeerName): string {
  const pkg = packageJson(name);
  if (!pkg) throw new Error(`${name} is not installed in bench/.peers`);
  return join(PREFIX, 'node_modules', name, pkg.bin[name]!);
}

/**
 * Installs missing peers with `npm install --prefix bench/.peers` (bounded to 5 minutes).
 * Returns a note per peer that is still unavailable, so its cases are skipped instead of failing the run.
 */
export function ensurePeers(wanted: readonly PeerName[]): Map<PeerName, string> {
  const missing = wanted.filter((p) => !peerVersion(p));
  const notes = new Map<PeerName, string>();
  if (missing.length === 0) return notes;
  process.stderr.write(
    `bench: installing peer gateways ${missing.join(', ')} into bench/.peers (not project dependencies)...\n`,
  );
  mkdirSync(PREFIX, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(
    npm,
    [
      'install',
      '--prefix',
      PREFIX,
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...missing.map((p) => SPECS[p]),
    ],
    { cwd: ROOT, encoding: 'utf8', timeout: 300_000 },
  );
  for (const p of missing) {
    if (peerVersion(p)) continue;
    const why =
      r.error?.message ?? (r.stderr || r.stdout || `npm exited ${r.status}`).trim().split('\n').pop();
    notes.set(
      p,
      `skipped: could not install ${SPECS[p]} (${why}); run \`npm install --prefix bench/.peers ${SPECS[p]}\``,
    );
    process.stderr.write(`bench: ${p} ${notes.get(p)}\n`);
  }
  return notes;
}
