/**
 * Logs of the real CLI: JSON lines when stderr is not a terminal, human-readable lines when
 * SWITCHBOARD_LOG_FORMAT=pretty; starting the shipped config logs no warning (server-everything's
 * roots/list right after initialize is routine and logged at debug).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, waitFor } from './helpers/gateway.js';

const CLI = join(ROOT, 'src/cli.ts');

/** `serve` of the shipped config on a free port, stopped once `until` holds for its stderr. */
async function serveShipped(env: Record<string, string>, until: (stderr: string) => boolean, what: string) {
  const memory = join(mkdtempSync(join(tmpdir(), 'switchboard-log-')), 'memory.jsonl');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLI, 'serve', '--config', 'external-mcp-servers.yaml', '--port', '0'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, SWITCHBOARD_MEMORY_FILE: memory, SWITCHBOARD_LOG_FORMAT: '', ...env },
    },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    await waitFor(() => until(stderr), 60_000, `${what}; stderr so far:\n${stderr}`);
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await exited, 0, stderr);
  return stderr.split('\n').filter(Boolean);
}

/** Both backends of the shipped config have announced they are ready (in either log format). */
const ready = (s: string) =>
  s.includes('backend ready (mcp-servers/everything') && s.includes('backend ready (memory-server');

describe('logs', () => {
  it('starting the shipped config logs no warning: the start-up roots/list refusal and its echo are debug', async () => {
    const lines = await serveShipped(
      { SWITCHBOARD_LOG_LEVEL: 'debug' },
      (s) =>
        ready(s) &&
        s.includes('server-to-client request refused') &&
        s.includes('Failed to request roots from client'),
      'both backends ready and server-everything told that no client can answer roots/list',
    );
    const records = lines.map((l) => JSON.parse(l) as { level: number; msg: string; backend?: string });
    const loud = records.filter((r) => r.level >= 40);
    assert.deepEqual(loud, [], 'no warning or error');
    const refusal = records.find((r) => r.msg.startsWith('server-to-client request refused'));
    assert.equal(refusal?.level, 20);
    assert.equal(refusal?.backend, 'everything');
    const echo = records.find((r) => r.msg.startsWith('Failed to request roots from client'));
    assert.equal(echo?.level, 20, 'the upstream echoing the refusal on stderr is debug too');
    assert.ok(
      records.some((r) => r.level === 30 && r.msg.startsWith('Starting default (STDIO) server')),
      'other stderr lines of a child stay at info',
    );
  });

  it('writes human-readable lines when SWITCHBOARD_LOG_FORMAT=pretty', async () => {
    const lines = await serveShipped(
      { SWITCHBOARD_LOG_FORMAT: 'pretty', SWITCHBOARD_LOG_LEVEL: 'info' },
      ready,
      'both backends ready',
    );
    assert.ok(lines.length >= 3, lines.join('\n'));
    for (const line of lines) {
      assert.match(line, /^\[\d\d:\d\d:\d\d\.\d{3}\] (INFO|DEBUG|WARN|ERROR): /, line);
      assert.throws(() => JSON.parse(line) as unknown);
    }
    assert.ok(lines.some((l) => /INFO: everything: backend ready \(mcp-servers\/everything/.test(l)));
    assert.ok(
      lines.some((l) => /INFO: shutdown complete \{"ms":\d+/.test(l)),
      'the last line before exit is kept',
    );
  });
});
