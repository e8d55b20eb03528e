import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import { log as defaultLog } from '../log.js';

/** Options for watching a config file. */
export interface WatchOptions {
  /** Quiet time after the last file event before the file is read (an editor's save is several events). */
  debounceMs?: number;
  /** Re-check interval where file events are lost (some network and container mounts); 0 = off. */
  pollMs?: number;
  log?: Logger;
  /** Called after every read of the file with what it found; lets callers (and tests) observe the watch. */
  onCheck?: (found: 'changed' | 'unchanged' | 'missing' | 'empty') => void;
}

/** A running watch on a config file. */
export interface ConfigWatcher {
  /** Stops watching; no callback runs afterwards. */
  close(): void;
}

type Content = { hash: string } | { missing: true } | { empty: true };

function readContent(file: string): Content {
  let text: Buffer;
  try {
    text = readFileSync(file);
  } catch {
    return { missing: true };
  }
  // A file being rewritten in place is briefly empty; reading "no backends" from it would remove them all.
  if (text.toString('utf8').trim() === '') return { empty: true };
  return { hash: createHash('sha256').update(text).digest('hex') };
}

/**
 * Calls onChange, debounced, whenever the content of `file` changes. The directory is watched rather
 * than the file's inode, so in-place writes, editors' write-then-rename saves and the Kubernetes
 * ConfigMap `..data` symlink swap are all seen; events that leave the content as it was are dropped.
 * Errors are logged, never thrown.
 */
export function watchConfig(file: string, onChange: () => void, options: WatchOptions = {}): ConfigWatcher {
  const path = resolve(file);
  const log = options.log ?? defaultLog;
  const debounceMs = options.debounceMs ?? 150;
  const watchers = new Map<string, FSWatcher>();
  const first = readContent(path);
  let hash = 'hash' in first ? first.hash : undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const schedule = (): void => {
    if (closed) return;
    clearTimeout(timer);
    timer = setTimeout(check, debounceMs).unref();
  };

  // The file's own folder, plus the folder a symlink points into when that is elsewhere (a target
  // inside the folder, like a ConfigMap's `..2026_…` dirs, is replaced wholesale and seen from above).
  const rewatch = (): void => {
    const dirs = new Set([dirname(path)]);
    try {
      const target = dirname(realpathSync(path));
      if (!target.startsWith(dirname(path) + sep)) dirs.add(target);
    } catch {
      // missing for now; the folder watch sees it come back
    }
    for (const [dir, w] of watchers) {
      if (dirs.has(dir)) continue;
      w.close();
      watchers.delete(dir);
    }
    for (const dir of dirs) {
      if (watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, schedule);
        w.on('error', (err) => {
          log.warn({ dir, err: err.message }, 'config watch failed; retrying on the next check');
          w.close();
          watchers.delete(dir);
        });
        watchers.set(dir, w);
      } catch (err) {
        log.warn({ dir, err: (err as Error).message }, 'cannot watch the config folder');
      }
    }
  };

  function check(): void {
    if (closed) return;
    rewatch();
    const content = readContent(path);
    if ('missing' in content || 'empty' in content) {
      if (hash !== undefined) log.warn({ file: path }, 'config file is missing or empty; waiting for it');
      hash = undefined;
      options.onCheck?.('missing' in content ? 'missing' : 'empty');
      return;
    }
    if (content.hash === hash) return options.onCheck?.('unchanged');
    hash = content.hash;
    try {
      onChange();
    } catch (err) {
      log.error({ err: String(err) }, 'config reload failed');
    }
    options.onCheck?.('changed');
  }

  rewatch();
  const pollMs = options.pollMs ?? 5000;
  const poller = pollMs > 0 ? setInterval(check, pollMs).unref() : undefined;
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poller);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
