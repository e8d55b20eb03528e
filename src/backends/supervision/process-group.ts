/**
 * stdio children run in process groups of their own, so that signals meant for the gateway (a terminal's
 * Ctrl-C, `kill -HUP %1` on the shell job) never reach them: their lifecycle is the gateway's alone. The cost is
 * that they would outlive a gateway that dies without stopping them (SIGKILL, out of memory); a watchdog, one
 * `sh` per gateway process, reads the groups' ids on a pipe from the gateway and terminates the groups still
 * listed when that pipe reaches end-of-file, which happens only when the gateway is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { log } from '../../log.js';
import { sleep } from '../../time.js';

/** Process groups are a POSIX notion; elsewhere children stay in the gateway's group, as before. */
export const GROUPS = process.platform !== 'win32';

/**
 * The watchdog: ignores the signals a terminal or job control sends, keeps a space-separated list of group ids
 * (`+ID` adds, `-ID` removes), and at end-of-file sends SIGTERM, then after 2 s SIGKILL, to every group left.
 */
const WATCHDOG = `# switchboard: stops stdio children's process groups if the gateway dies without stopping them
trap '' INT HUP TERM QUIT PIPE
groups=" "
while IFS= read -r line; do
  case "$line" in
    +*) groups="$groups\${line#+} " ;;
    -*) g=" \${line#-} "; case "$groups" in *"$g"*) groups="\${groups%%"$g"*} \${groups#*"$g"}" ;; esac ;;
  esac
done
[ "$groups" = " " ] && exit 0
for g in $groups; do kill -TERM "-$g" 2>/dev/null; done
sleep 2
for g in $groups; do kill -KILL "-$g" 2>/dev/null; done
exit 0`;

let watchdog: ChildProcess | undefined;
let unavailable = false;

function startWatchdog(): ChildProcess | undefined {
  if (watchdog || unavailable) return watchdog;
  const shell = ['/bin/sh', '/usr/bin/sh'].find((p) => existsSync(p));
  if (!shell) {
    unavailable = true;
    log.warn('no /bin/sh: stdio children are not reaped if the gateway is killed outright');
    return undefined;
  }
  // Its own group too, so that what is sent to the gateway's job does not reach it either.
  const child = spawn(shell, ['-c', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  child.on('error', (err) => {
    unavailable = true;
    watchdog = undefined;
    log.warn({ err: err.message }, 'process-group watchdog failed to start');
  });
  child.on('exit', () => {
    if (watchdog === child) watchdog = undefined;
  });
  child.stdin!.on('error', () => {});
  // Neither the process nor its pipe keeps the gateway's event loop alive.
  child.unref();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  watchdog = child;
  return child;
}

/** Puts a started child's group (its pid: it was spawned as a group leader) under the watchdog. */
export function adoptGroup(pgid: number | null | undefined): void {
  if (!GROUPS || !pgid) return;
  startWatchdog()?.stdin?.write(`+${pgid}\n`);
}

/** Sends a signal to a whole process group; false when the group is gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Terminates whatever is left of a child's process group (SIGTERM, up to 1 s, then SIGKILL) and takes it off the
 * watchdog's list; for a stdio child that has exited or is being stopped.
 */
export async function endGroup(pgid: number | null | undefined): Promise<void> {
  if (!GROUPS || !pgid) return;
  if (signalGroup(pgid, 'SIGTERM')) {
    for (let i = 0; i < 20 && signalGroup(pgid, 0); i++) await sleep(50);
    signalGroup(pgid, 'SIGKILL');
  }
  watchdog?.stdin?.write(`-${pgid}\n`);
}

/** The `setsid` program, for children spawned by code that cannot be asked for a new group (the SDK's). */
export const SETSID = GROUPS ? ['/usr/bin/setsid', '/bin/setsid'].find((p) => existsSync(p)) : undefined;
