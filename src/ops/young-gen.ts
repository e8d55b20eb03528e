/**
 * The young generation's cap. V8 lets the new space grow to 2 × 16 MB semi-spaces (resident once touched: start-up
 * alone fills them), which is a fifth of the gateway's RSS; its request garbage dies young at well under that.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

/**
 * The new space (both semi-spaces) the gateway lets V8 grow to, in MB: half of V8's 32. At 4 MB the garbage of
 * 64 calls in flight was promoted and collected again, costing 14% of calls/s at C=64 (docs/performance.md).
 */
export const YOUNG_GENERATION_MB = 16;
/** V8's own growth factor of the new space (`--semi-space-growth-factor`). */
const V8_GROWTH_FACTOR = 2;
const FLAG = /--(max[-_]semi[-_]space[-_]size|semi[-_]space[-_]growth[-_]factor)\b/;

/** True when the node command line or NODE_OPTIONS sizes the young generation itself: the operator's choice wins. */
export function youngFlagGivenByOperator(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  return execArgv.some((a) => FLAG.test(a)) || FLAG.test(nodeOptions);
}

function newSpaceBytes(): number {
  return getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
}

let observer: PerformanceObserver | undefined;

/**
 * Caps the new space at `mb` from now on. V8 fixes the maximum semi-space size when the process starts, but
 * reads `--semi-space-growth-factor` each time it grows the new space (after a scavenge): the factor is 1 (no
 * growth) while the new space is at the cap, and V8's own otherwise, so V8 still shrinks and regrows it below.
 * Called before the gateway's modules load, so start-up does not fill the semi-spaces first.
 */
export function capYoungGeneration(mb = YOUNG_GENERATION_MB): void {
  if (observer || youngFlagGivenByOperator()) return;
  const cap = mb * 1024 * 1024;
  // No growth until the observer has seen a scavenge: module evaluation is one synchronous run, in which the
  // observer cannot step in between two growths.
  let factor = 1;
  setFlagsFromString('--semi-space-growth-factor=1');
  const adjust = (): void => {
    const wanted = newSpaceBytes() * V8_GROWTH_FACTOR > cap ? 1 : V8_GROWTH_FACTOR;
    if (wanted === factor) return;
    factor = wanted;
    setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
  };
  // After any collection (a batch of them at most per event-loop turn): the new space only resizes in one.
  observer = new PerformanceObserver(adjust);
  observer.observe({ entryTypes: ['gc'] });
}
