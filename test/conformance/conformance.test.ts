/**
 * The first part of `npm run conformance` as a test: the 0.1.13 suite (Node 20) must pass against the project's
 * fixture directly, through switchboard, and with switchboard as client. The frozen 2025-11-25 and 2026-07-28
 * sets, the 2026 client scenarios and the auth scenarios (Node 22) run as their own CI step (`.ci/run`).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../helpers/gateway.js';

it(
  'passes the MCP conformance suite directly, through switchboard and as a client',
  { timeout: 480_000 },
  async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts/conformance.ts'), '--only', 'old'],
      {
        cwd: ROOT,
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /conformance: all checks passed/);
  },
);
