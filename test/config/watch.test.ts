/** The config watcher on real files: in-place writes, atomic renames, ConfigMap symlink swaps, debounce, no-ops. */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { watchConfig, type ConfigWatcher } from '../../src/config/watch.js';
import { waitFor } from '../helpers/gateway.js';

const watchers: ConfigWatcher[] = [];
after(() => watchers.forEach((w) => w.close()));

function setup(initial = 'mcpServers: {}\n') {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-watch-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, initial);
  return { dir, file };
}

/** Watches `file`, counting callbacks and recording what every read of the file found. */
function watchCounting(file: string, options: { debounceMs?: number } = {}) {
  const seen = { calls: 0, checks: [] as string[] };
  watchers.push(
    watchConfig(file, () => void seen.calls++, {
      pollMs: 0,
      ...options,
      onCheck: (found) => void seen.checks.push(found),
    }),
  );
  return seen;
}

describe('watchConfig', () => {
  it('turns a burst of in-place writes into one callback', async () => {
    const { file } = setup();
    // The burst is written back to back and the debounce is a second, so even a stalled event loop
    // cannot split it; the debounce length itself is not what is tested.
    const seen = watchCounting(file, { debounceMs: 1000 });
    for (let i = 0; i < 5; i++) writeFileSync(file, `mcpServers: {}\n# edit ${i}\n`);
    await waitFor(() => seen.calls === 1, 5000, 'one callback');
    assert.deepEqual(seen.checks, ['changed'], 'the burst was read once');
    // Positive control: the watch is still live, and the burst left nothing else pending.
    writeFileSync(file, 'mcpServers: {}\n# after the burst\n');
    await waitFor(() => seen.calls === 2, 5000, 'a callback for the next write');
    assert.deepEqual(seen.checks, ['changed', 'changed']);
  });

  it('sees an editor-style save (write a temp file, rename it over the config)', async () => {
    const { dir, file } = setup();
    const seen = watchCounting(file);
    writeFileSync(join(dir, '.config.yaml.swp'), 'mcpServers: {}\n# saved\n');
    renameSync(join(dir, '.config.yaml.swp'), file);
    await waitFor(() => seen.calls === 1, 5000, 'callback after rename');
    // A second save goes to the new inode: still seen, because the folder is watched.
    writeFileSync(join(dir, '.tmp'), 'mcpServers: {}\n# saved again\n');
    renameSync(join(dir, '.tmp'), file);
    await waitFor(() => seen.calls === 2, 5000, 'callback after the second rename');
  });

  it('drops events that leave the content unchanged', async () => {
    const { dir, file } = setup('mcpServers: {}\n');
    const seen = watchCounting(file);
    writeFileSync(file, 'mcpServers: {}\n'); // same bytes
    writeFileSync(join(dir, 'unrelated.txt'), 'x');
    await waitFor(() => seen.checks.includes('unchanged'), 5000, 'the file was read after the events');
    assert.equal(seen.calls, 0);
  });

  it('sees the Kubernetes ConfigMap ..data symlink swap', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-configmap-'));
    mkdirSync(join(dir, '..2026_01_01_00_00_00.1'));
    writeFileSync(join(dir, '..2026_01_01_00_00_00.1', 'config.yaml'), 'mcpServers: {}\n');
    symlinkSync('..2026_01_01_00_00_00.1', join(dir, '..data'));
    symlinkSync('..data/config.yaml', join(dir, 'config.yaml'));
    const seen = watchCounting(join(dir, 'config.yaml'));

    // What the kubelet does: a new timestamped dir, a new symlink renamed over ..data, the old dir removed.
    mkdirSync(join(dir, '..2026_01_01_00_01_00.2'));
    writeFileSync(join(dir, '..2026_01_01_00_01_00.2', 'config.yaml'), 'mcpServers: {}\n# v2\n');
    symlinkSync('..2026_01_01_00_01_00.2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    rmSync(join(dir, '..2026_01_01_00_00_00.1'), { recursive: true });
    await waitFor(() => seen.calls === 1, 5000, 'callback after the ..data swap');
    assert.equal(seen.checks.filter((c) => c === 'changed').length, 1, 'one change seen for the swap');
  });

  it('follows a symlink into another folder', async () => {
    const { file: real } = setup();
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-link-'));
    const link = join(dir, 'config.yaml');
    symlinkSync(real, link);
    const seen = watchCounting(link);
    writeFileSync(real, 'mcpServers: {}\n# edited at the target\n');
    await waitFor(() => seen.calls === 1, 5000, 'callback after editing the target');
  });

  it('waits through a missing or empty file and fires when real content returns', async () => {
    const { file } = setup();
    const seen = watchCounting(file);
    unlinkSync(file);
    await waitFor(() => seen.checks.includes('missing'), 5000, 'the missing file was seen');
    writeFileSync(file, '');
    await waitFor(() => seen.checks.includes('empty'), 5000, 'the empty file was seen');
    assert.equal(seen.calls, 0, 'no callback for a missing or empty file');
    writeFileSync(file, 'mcpServers: {}\n# back\n');
    await waitFor(() => seen.calls === 1, 5000, 'callback when content returns');
  });

  it('stops after close()', async () => {
    const { file } = setup();
    const seen = { calls: 0, checks: 0 };
    const w = watchConfig(file, () => void seen.calls++, { pollMs: 0, onCheck: () => void seen.checks++ });
    const control = watchCounting(file); // an open watch on the same file, proving the edit is seen
    w.close();
    writeFileSync(file, 'mcpServers: {}\n# after close\n');
    await waitFor(() => control.calls === 1, 5000, 'the open watch saw the edit');
    assert.deepEqual(seen, { calls: 0, checks: 0 }, 'the closed watch read nothing and called nothing');
  });

  it('falls back to polling when no file event arrives', async () => {
    const { file } = setup();
    const seen = { calls: 0 };
    // A debounce longer than the test means only the poll can notice the change.
    watchers.push(watchConfig(file, () => void seen.calls++, { pollMs: 100, debounceMs: 60_000 }));
    writeFileSync(file, 'mcpServers: {}\n# polled\n');
    await waitFor(() => seen.calls === 1, 5000, 'callback from the poll');
  });
});
