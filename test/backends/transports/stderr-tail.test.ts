/** The cause a child that died at start-up gave on stderr, picked out of its last lines. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { childExitReason, StderrTail } from '../../../src/backends/transports/stderr-tail.js';

function tail(text: string): StderrTail {
  const t = new StderrTail();
  for (const line of text.split('\n')) t.push(line);
  return t;
}

describe('StderrTail', () => {
  it('finds the error of a Node crash among the stack and decoration', () => {
    const t = tail(`node:internal/modules/cjs/loader:1228
  throw err;
  ^

Error: Cannot find module '/srv/node_modules/x/index.js'
    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)
    at node:internal/main/run_main_module:28:49 {
  code: 'MODULE_NOT_FOUND',
  requireStack: []
}

Node.js v20.20.2`);
    assert.equal(t.cause(), "Error: Cannot find module '/srv/node_modules/x/index.js'");
  });

  it('takes a Python traceback and an error line, and the last lines when nothing reads like an error', () => {
    assert.equal(
      tail(
        'Traceback (most recent call last):\n  File "s.py", line 1\nModuleNotFoundError: No module named \'mcp\'',
      ).cause(),
      "Traceback (most recent call last): | ModuleNotFoundError: No module named 'mcp'",
    );
    assert.equal(tail('starting\nlistening on stdio\nbye').cause(), 'starting | listening on stdio | bye');
    assert.equal(new StderrTail().cause(), undefined);
  });

  it('keeps the last 30 lines, each cut at 300 characters', () => {
    const t = new StderrTail();
    for (let i = 0; i < 100; i++) t.push(`line ${i}`);
    assert.equal(t.cause(), 'line 97 | line 98 | line 99');
    const long = new StderrTail();
    long.push(`fatal: ${'x'.repeat(1000)}`);
    assert.equal(long.cause()!.length, 301);
  });

  it('says how the child ended, and its cause only during start-up', () => {
    const child = { stderr: tail('Error: boom'), exit: () => 'exit code 2' };
    assert.equal(childExitReason(child, false), 'child process exited (exit code 2)');
    assert.equal(
      childExitReason(child, true),
      'child process exited (exit code 2) during start-up: Error: boom',
    );
    assert.equal(
      childExitReason({ stderr: new StderrTail() }, true),
      'child process exited during start-up (it wrote nothing to stderr)',
    );
  });
});
