/** gateway.heap_growth_percent: how far V8 lets the heap outgrow its live size before a full collection. */
import { setFlagsFromString } from 'node:v8';
import { log } from '../log.js';

const FLAG = /--heap[-_]growing[-_]percent\b/;

/** True when the node command line or NODE_OPTIONS already sets the flag: the operator's choice wins. */
export function heapFlagGivenByOperator(
  execArgv: readonly string[] = process.execArgv,
  nodeOptions = process.env.NODE_OPTIONS ?? '',
): boolean {
  return execArgv.some((a) => FLAG.test(a)) || FLAG.test(nodeOptions);
}

/** The setting last seen (applied, or left alone because the operator's flag wins). */
let seen: number | undefined;

/**
 * Sets V8's `--heap-growing-percent` at run time (0 restores V8's own heuristic). V8 reads this flag each time
 * it sizes the heap after a full collection, so it takes effect without a restart; under load V8's own heuristic
 * lets the old generation fill with short-lived garbage up to ~4x the live size (docs/performance.md).
 */
export function applyHeapGrowth(percent: number): void {
  if (percent === seen) return;
  const first = seen === undefined;
  seen = percent;
  if (heapFlagGivenByOperator()) {
    if (first) log.info('--heap-growing-percent given to node: gateway.heap_growth_percent is not applied');
    return;
  }
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  if (!first) log.info(`gateway.heap_growth_percent is now ${percent}`);
}
