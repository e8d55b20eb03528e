/**
 * The npm package is ready to publish: `npm pack` holds the command (`bin`), the WebSocket client (`exports`,
 * with its types), the schema and the shipped config, and nothing of the repository's sources or tests.
 * (The full round trip, `npm pack` then `npm install -g` of the tarball, is in docs/clients.md.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/gateway.js';

interface Manifest {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
}

describe('the npm package', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Manifest;
  const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  const files = (JSON.parse(packed.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);

  it('is mcp-switchboard with the switchboard command, a built script with a shebang', () => {
    assert.equal(manifest.name, 'mcp-switchboard');
    const bin = manifest.bin.switchboard!;
    assert.ok(files.includes(bin.replace(/^\.\//, '')), `${bin} is packed`);
    assert.match(readFileSync(join(ROOT, bin), 'utf8'), /^#!\/usr\/bin\/env node\n/);
  });

  it('exports the WebSocket client transport with its type declarations, and every export is packed', () => {
    const ws = manifest.exports['./ws-client'] as { types: string; default: string };
    assert.deepEqual(ws, {
      types: './dist/frontends/ws-client.d.ts',
      default: './dist/frontends/ws-client.js',
    });
    for (const target of [ws.types, ws.default, manifest.exports['./package.json'] as string]) {
      const path = target.replace(/^\.\//, '');
      assert.ok(files.includes(path), `${path} is packed`);
      assert.ok(existsSync(join(ROOT, path)), `${path} is built`);
    }
  });

  it('holds the schema, the shipped config, the README and the console, and no sources or tests', () => {
    for (const f of [
      'schemas/switchboard.schema.json',
      'external-mcp-servers.yaml',
      'README.md',
      'dist/console-ui/index.html',
    ])
      assert.ok(files.includes(f), `${f} is packed`);
    const stray = files.filter(
      (f) => /^(src|test|bench|scripts|helm|docs)\//.test(f) || (f.endsWith('.ts') && !f.endsWith('.d.ts')),
    );
    assert.deepEqual(stray, []);
  });
});
