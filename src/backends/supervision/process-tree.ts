import { readdirSync, readFileSync } from 'node:fs';
import { sleep, waitAtMost } from '../../time.js';
import { endGroup } from './process-group.js';

/** Process ids of every live descendant of pid (Linux /proc; empty elsewhere). */
export function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The command name may contain spaces and parentheses; fields resume after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // exited meanwhile
    }
  }
  const out: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Whether a process with this id is still running (zombies count as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** Sends a signal to each pid, ignoring ones that are already gone. */
export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/**
 * Closes a connection whose transport may own a child process, then makes sure the child and every
 * descendant are gone (the tree is listed first: once the child exits, its children are re-parented), and
 * what is left of its process group.
 */
export async function closeWithTree(
  close: () => Promise<unknown>,
  pid: number | null,
  group?: number | null,
): Promise<void> {
  const tree = pid ? [pid, ...descendants(pid)] : [];
  await waitAtMost(
    close().catch(() => {}),
    1500,
  );
  await terminate(tree);
  await endGroup(group);
}

/** SIGTERM, a short grace period, then SIGKILL for whatever is left of a process tree. */
export async function terminate(tree: number[]): Promise<void> {
  let alive = tree.filter(isAlive);
  if (alive.length === 0) return;
  signalAll(alive, 'SIGTERM');
  for (let i = 0; i < 20 && alive.length > 0; i++) {
    await sleep(50);
    alive = alive.filter(isAlive);
  }
  signalAll(alive, 'SIGKILL');
}
