/** deeperThan: the iterative JSON depth check. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deeperThan } from '../../../src/server/http/json-depth.js';

describe('deeperThan', () => {
  it('counts arrays and objects, not scalars', () => {
    assert.equal(deeperThan('x', 0), false);
    assert.equal(deeperThan([], 0), true);
    assert.equal(deeperThan({ a: [{ b: 1 }] }, 3), false);
    assert.equal(deeperThan({ a: [{ b: {} }] }, 3), true);
  });

  it('handles a million levels without overflowing the stack', () => {
    const deep: unknown = JSON.parse('['.repeat(1_000_000) + ']'.repeat(1_000_000));
    assert.equal(deeperThan(deep, 64), true);
    assert.equal(deeperThan(deep, 1_000_000), false);
  });
});
