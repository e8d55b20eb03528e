import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayAutoRun } from '../../src/discovery/safety.js';

describe('mayAutoRun', () => {
  it('allows only tools that declare themselves read-only or non-destructive', () => {
    assert.equal(mayAutoRun({ readOnlyHint: true }), true);
    assert.equal(mayAutoRun({ readOnlyHint: false, destructiveHint: false }), true);
    assert.equal(mayAutoRun({ destructiveHint: false }), true);
  });

  it('refuses destructive, unannotated and undecided tools', () => {
    assert.equal(mayAutoRun(undefined), false);
    assert.equal(mayAutoRun({}), false);
    assert.equal(mayAutoRun({ readOnlyHint: false }), false);
    assert.equal(mayAutoRun({ destructiveHint: true }), false);
    assert.equal(mayAutoRun({ readOnlyHint: true, destructiveHint: true }), false);
    assert.equal(mayAutoRun({ title: 'Delete everything', idempotentHint: true }), false);
  });
});
