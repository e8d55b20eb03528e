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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long enough for any further (wrongly) debounced callback to have fired. */
const QUIET_MS = 500;

function setup(initial = 'mcpServers: {}\n') {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-watch-'));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, initial);
  return { dir, file };
}

function watchCounting(file: string) {
  const seen = { calls: 0 };
  watchers.push(watchConfig(file, () => void seen.calls++, { pollMs: 0 }));
  return seen;
}

describe('watchConfig', () => {
  it('turns a burst of in-place writes into one callback', async () => {
    const { file } = setup();
    const seen = watchCounting(file);
    for (let i = 0; i < 5; i++) {
      writeFileSync(file, `mcpServers: {}\n# edit ${i}\n`);
      await sleep(10);
    }
    await waitFor(() => seen.calls === 1, 2000, 'one callback');
    await sleep(QUIET_MS);
    assert.equal(seen.calls, 1);
  });

  it('sees an editor-style save (write a temp file, rename it over the config)', async () => {
    const { dir, file } = setup();
    const seen = watchCounting(file);
    writeFileSync(join(dir, '.config.yaml.swp'), 'mcpServers: {}\n# saved\n');
    renameSync(join(dir, '.config.yaml.swp'), file);
    await waitFor(() => seen.calls === 1, 2000, 'callback after rename');
    // A second save goes to the new inode: still seen, because the folder is watched.
    writeFileSync(join(dir, '.tmp'), 'mcpServers: {}\n# saved again\n');
    renameSync(join(dir, '.tmp'), file);
    await waitFor(() => seen.calls === 2, 2000, 'callback after the second rename');
  });

  it('drops events that leave the content unchanged', async () => {
    const { dir, file } = setup('mcpServers: {}\n');
    const seen = watchCounting(file);
    writeFileSync(file, 'mcpServers: {}\n'); // same bytes
    writeFileSync(join(dir, 'unrelated.txt'), 'x');
    await sleep(QUIET_MS);
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
    await waitFor(() => seen.calls === 1, 2000, 'callback after the ..data swap');
    await sleep(QUIET_MS);
    assert.equal(seen.calls, 1);
  });

  it('follows a symlink into another folder', async () => {
    const { file: real } = setup();
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-link-'));
    const link = join(dir, 'config.yaml');
    symlinkSync(real, link);
    const seen = watchCounting(link);
    writeFileSync(real, 'mcpServers: {}\n# edited at the target\n');
    await waitFor(() => seen.calls === 1, 2000, 'callback after editing the target');
  });

  it('waits through a missing or empty file and fires when real content returns', async () => {
    const { file } = setup();
    const seen = watchCounting(file);
    unlinkSync(file);
    await sleep(QUIET_MS);
    writeFileSync(file, '');
    await sleep(QUIET_MS);
    assert.equal(seen.calls, 0, 'no callback for a missing or empty file');
    writeFileSync(file, 'mcpServers: {}\n# back\n');
    await waitFor(() => seen.calls === 1, 2000, 'callback when content returns');
  });

  it('stops after close()', async () => {
    const { file } = setup();
    const seen = { calls: 0 };
    const w = watchConfig(file, () => void seen.calls++, { pollMs: 0 });
    w.close();
    writeFileSync(file, 'mcpServers: {}\n# after close\n');
    await sleep(QUIET_MS);
    assert.equal(seen.calls, 0);
  });

  it('falls back to polling when no file event arrives', async () => {
    const { file } = setup();
    const seen = { calls: 0 };
    // A debounce longer than the test means only the poll can notice the change.
    watchers.push(watchConfig(file, () => void seen.calls++, { pollMs: 100, debounceMs: 60_000 }));
    writeFileSync(file, 'mcpServers: {}\n# polled\n');
    await waitFor(() => seen.calls === 1, 2000, 'callback from the poll');
  });
});
