/**
 * Builds the web console (src/console/ui) into dist/console-ui: one bundled, minified app.js (esbuild),
 * app.css and index.html. `npm run build` runs it after tsc; the gateway serves the result, nothing from a CDN.
 */
import { copyFileSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src/console/ui`;

/**
 * Builds the console into `out` (default dist/console-ui) and returns that directory. The build goes to a
 * sibling directory first and then takes `out`'s place, so a gateway serving `out` (tests build it while
 * others run) never finds it half-written or missing for longer than two renames.
 */
export async function buildConsole(final = `${root}dist/console-ui`): Promise<string> {
  const out = `${final}.${randomUUID()}`;
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [`${src}/main.ts`],
    outfile: `${out}/app.js`,
    bundle: true,
    format: 'esm',
    target: ['es2022'],
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  // uPlot's own stylesheet (the Activity panel's charts) goes first, so the console's rules can refine it.
  const uplotCss = readFileSync(`${root}node_modules/uplot/dist/uPlot.min.css`, 'utf8');
  writeFileSync(`${out}/app.css`, `${uplotCss}\n${readFileSync(`${src}/style.css`, 'utf8')}`);
  copyFileSync(`${src}/index.html`, `${out}/index.html`);
  const old = `${out}.old`;
  try {
    renameSync(final, old);
  } catch {
    // No earlier build (or another build just moved it): nothing to replace.
  }
  try {
    renameSync(out, final);
  } catch {
    // Another build took the place in between: its output is the same, keep it.
  }
  rmSync(old, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  return final;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildConsole();
  console.log(`web console built into ${out}`);
}
