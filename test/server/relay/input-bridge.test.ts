/** Parked calls live in one process: a retry that reaches another replica is refused, naming why. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServerContext } from '@modelcontextprotocol/server';
import { GatewayError } from '../../../src/errors.js';
import { InputBridge } from '../../../src/server/relay/input-bridge.js';

const ctx = {} as ServerContext;
const seal = (nonce: string) => nonce;

describe('InputBridge.resume', () => {
  it('names another replica when the nonce was minted elsewhere', () => {
    const here = new InputBridge();
    const there = new InputBridge();
    try {
      assert.notEqual(here.replica, there.replica);
      assert.throws(
        () => here.resume(`${there.replica}.0f2c`, ctx, {}, seal),
        (err: unknown) =>
          err instanceof GatewayError &&
          err.code === 'invalid_request_state' &&
          /waits on another gateway replica/.test(err.message),
      );
      assert.throws(
        () => here.resume(`${here.replica}.0f2c`, ctx, {}, seal),
        (err: unknown) => err instanceof GatewayError && /no longer waiting/.test(err.message),
      );
    } finally {
      here.close();
      there.close();
    }
  });
});
