/** `npm run conformance` as a test: the official suite must pass directly, through switchboard, and with switchboard as client. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { it } from 'node:test';
import { ROOT } from '../helpers/gateway.js';

it(
  'passes the MCP conformance suite directly, through switchboard and as a client',
  { timeout: 180_000 },
  async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts/conformance.ts')], {
      cwd: ROOT,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, out);
    assert.match(out, /conformance: all checks passed/);
  },
);
