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
});
