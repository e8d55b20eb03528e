import type { DiscoveryHit } from './types.js';

/** How far ahead of the runner-up the top hit must score to be executed without asking. */
export const CONFIDENCE_RATIO = 1.3;

/** Whether the top hit is clearly ahead of the runner-up (used to decide whether to execute or return candidates). */
export function isConfident(hits: DiscoveryHit[]): boolean {
  const [top, second] = hits;
  if (!top || top.score <= 0) return false;
  return !second || top.score >= CONFIDENCE_RATIO * second.score;
}
