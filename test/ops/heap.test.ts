/**
 * gateway.heap_growth_percent: set at run time it bounds how far V8 lets the old generation fill with promoted
 * garbage (checked in real Node processes churning medium-lived objects), and a flag the operator gave wins.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { heapFlagGivenByOperator } from '../../src/ops/heap.js';
import { youngFlagGivenByOperator } from '../../src/ops/young-gen.js';
import { ROOT } from '../helpers/gateway.js';

const run = promisify(execFile);

/**
 * Applies `percent` (if given) through applyHeapGrowth, then keeps 400k objects alive in a ring while
 * allocating 4M: each lives long enough to be promoted and dies in the old generation. Prints the peak
 * old-space size in MB.
 */
async function peakOldSpaceMb(percent: number | undefined, nodeFlags: string[] = []): Promise<number> {
  const code = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { applyHeapGrowth } from ${JSON.stringify(join(ROOT, 'src/ops/heap.ts'))};
    ${percent === undefined ? '' : `applyHeapGrowth(${percent});`}
    const ring = new Array(400_000);
    let peak = 0;
    for (let i = 0; i < 4_000_000; i++) {
      ring[i % ring.length] = { i, s: 'x' + i, a: [i] };
      if (i % 10_000 === 0) {
        const old = getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_size;
        if (old > peak) peak = old;
      }
    }
    console.log(Math.round(peak / 1e6));`;
  const { stdout } = await run(
    process.execPath,
    [...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', code],
    { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', SWITCHBOARD_LOG_LEVEL: 'error' } },
  );
  return Number(stdout.trim().split('\n').pop());
}

describe('heap growth', () => {
  it('bounds the old generation when applied at run time, and yields to the operator’s flag', async () => {
    const [v8Default, bounded, operator] = await Promise.all([
      peakOldSpaceMb(undefined),
      peakOldSpaceMb(20),
      peakOldSpaceMb(20, ['--heap-growing-percent=0']),
    ]);
    // The ring holds ~40 MB; V8's own heuristic lets the old space reach several times that.
    assert.ok(bounded < v8Default * 0.6, `20%: peak ${bounded} MB, V8's heuristic ${v8Default} MB`);
    assert.ok(operator > bounded * 1.5, `operator's flag: peak ${operator} MB, 20% applied ${bounded} MB`);
  });

  it('sees the flag on the command line or in NODE_OPTIONS', () => {
    assert.equal(heapFlagGivenByOperator([], ''), false);
    assert.equal(heapFlagGivenByOperator(['--heap-growing-percent=30'], ''), true);
    assert.equal(heapFlagGivenByOperator(['--max-old-space-size=512'], '--heap_growing_percent=10'), true);
    assert.equal(heapFlagGivenByOperator(['--max-semi-space-size=8'], '--max-old-space-size=512'), false);
  });

  it('caps the young generation from the start, and yields to the operator’s flag', async () => {
    // Start-up like the gateway's (modules evaluated in one synchronous run), then churn with survivors.
    const peakNewSpaceMb = async (nodeFlags: string[]): Promise<number> => {
      const code = `
        import { getHeapSpaceStatistics } from 'node:v8';
        import { capYoungGeneration } from ${JSON.stringify(join(ROOT, 'src/ops/young-gen.ts'))};
        capYoungGeneration(4);
        const size = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
        let peak = 0;
        const ring = new Array(50_000);
        for (let turn = 0; turn < 200; turn++) {
          for (let i = 0; i < 20_000; i++) ring[(turn * 20_000 + i) % ring.length] = { i, s: 'x' + i };
          peak = Math.max(peak, size());
          await new Promise((r) => setImmediate(r));
        }
        console.log(Math.round(peak / 2 ** 20));`;
      const { stdout } = await run(
        process.execPath,
        [...nodeFlags, '--import', 'tsx', '--input-type=module', '-e', code],
        { cwd: ROOT, env: { ...process.env, NODE_OPTIONS: '', SWITCHBOARD_LOG_LEVEL: 'error' } },
      );
      return Number(stdout.trim().split('\n').pop());
    };
    const [capped, operator] = await Promise.all([
      peakNewSpaceMb([]),
      peakNewSpaceMb(['--semi-space-growth-factor=2']),
    ]);
    // 4 MB, or 8 when two scavenges came before the observer could stop the growth; V8's own: 32 MB.
    assert.ok(capped <= 8, `capped: new space peaked at ${capped} MB`);
    assert.ok(operator >= 16, `operator's flag: new space peaked at ${operator} MB`);
    assert.equal(youngFlagGivenByOperator([], ''), false);
    assert.equal(youngFlagGivenByOperator(['--max-semi-space-size=8'], ''), true);
    assert.equal(youngFlagGivenByOperator([], '--semi_space_growth_factor=1'), true);
  });
});
