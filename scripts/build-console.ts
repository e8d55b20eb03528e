/**
 * Builds the web console (src/console/ui) into dist/console-ui: one bundled, minified app.js (esbuild),
 * app.css and index.html. `npm run build` runs it after tsc; the gateway serves the result, nothing from a CDN.
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const src = `${root}src/console/ui`;

/** Builds the console into `out` (default dist/console-ui) and returns that directory. */
export async function buildConsole(out = `${root}dist/console-ui`): Promise<string> {
  rmSync(out, { recursive: true, force: true });
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
  copyFileSync(`${src}/style.css`, `${out}/app.css`);
  copyFileSync(`${src}/index.html`, `${out}/index.html`);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildConsole();
  console.log(`web console built into ${out}`);
}
