/**
 * Builds the web console (src/console/ui) into dist/console-ui: one bundled, minified app.js (esbuild),
 * app.css and index.html. `npm run build` runs it after tsc; the gateway serves the result, nothing from a CDN.
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  // uPlot's own stylesheet (the Activity panel's charts) goes first, so the console's rules can refine it.
  const uplotCss = readFileSync(`${root}node_modules/uplot/dist/uPlot.min.css`, 'utf8');
  writeFileSync(`${out}/app.css`, `${uplotCss}\n${readFileSync(`${src}/style.css`, 'utf8')}`);
  copyFileSync(`${src}/index.html`, `${out}/index.html`);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await buildConsole();
  console.log(`web console built into ${out}`);
}
