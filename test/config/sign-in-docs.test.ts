/** Every YAML config block of docs/sign-in.md loads (schema, cross-checks, normalising), as `switchboard validate` would. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, formatProblem } from '../../src/config/errors.js';
import { parseConfig } from '../../src/config/load.js';
import { ROOT } from '../helpers/gateway.js';

const DOC = join(ROOT, 'docs/sign-in.md');
const text = readFileSync(DOC, 'utf8');
const blocks = [...text.matchAll(/^( *)```yaml\n([\s\S]*?)^\1```/gm)].map((m) =>
  m[2]!.replace(new RegExp(`^${m[1]}`, 'gm'), ''),
);

/** A value for each `${VAR}`: a real signing key where one is expected, else a 16+ character string. */
function env(block: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of block.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) {
    out[m[1]!] = m[1]!.endsWith('SIGNING_KEY')
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString()
      : m[1] === 'REDIS_URL'
        ? 'redis://127.0.0.1:6379'
        : `value-of-${m[1]}-0123456789`;
  }
  return out;
}

describe('docs/sign-in.md', () => {
  it('has config examples', () => assert.ok(blocks.length >= 6, String(blocks.length)));

  blocks.forEach((block, i) => {
    it(`YAML block ${i + 1} validates`, () => {
      try {
        const config = parseConfig(block, join(ROOT, 'docs', 'external-mcp-servers.yaml'), {
          env: env(block),
        });
        assert.ok(config.gateway.auth.signIn, 'the block configures sign-in');
      } catch (err) {
        if (err instanceof ConfigError)
          assert.fail(`block ${i + 1}:\n${err.problems.map(formatProblem).join('\n')}`);
        throw err;
      }
    });
  });
});
