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

describe('upstreams the shipped configs run', () => {
  // The container image and `npm install mcp-switchboard` leave devDependencies out: a package the shipped config
  // or an example starts from node_modules must install with the project.
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, string>
  >;
  const shipped = ['external-mcp-servers.yaml', ...readdirSync(DIR).map((f) => join('examples', f))];
  for (const file of shipped) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const names = new Set(
      [...text.matchAll(/node_modules\/((?:@[a-z0-9.-]+\/)?[a-z0-9.-]+)/g)].map((m) => m[1]!),
    );
    for (const name of names) {
      it(`${file}: ${name} installs without devDependencies`, () => {
        const where = pkg.dependencies?.[name] ?? pkg.optionalDependencies?.[name];
        assert.ok(where, `${name} is only a devDependency: the image's \`npm prune --omit=dev\` removes it`);
      });
    }
  }
});
