/** Every example config under examples/ passes the loader (schema, cross-checks, normalising). */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, formatProblem } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { ROOT } from '../helpers/gateway.js';

const DIR = join(ROOT, 'examples');

/** A value for each `${VAR}` the file needs without a default (keys must be 16+ characters). */
function requiredEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of text.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g))
    env[m[1]!] = `value-of-${m[1]}-0123456789`;
  return env;
}

describe('examples/', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml'));

  it('has examples', () => assert.ok(files.length >= 5, files.join(' ')));

  for (const file of files) {
    it(`${file} validates`, () => {
      const path = join(DIR, file);
      try {
        const config = loadConfig(path, { env: requiredEnv(readFileSync(path, 'utf8')) });
        assert.ok(config.backends.length > 0, 'an example with no backend shows nothing');
      } catch (err) {
        if (err instanceof ConfigError) assert.fail(err.problems.map(formatProblem).join('\n'));
        throw err;
      }
    });
  }
});
