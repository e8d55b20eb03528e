import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import express, { type RequestHandler, type Router } from 'express';
import { log } from '../log.js';

/** Where `npm run build` puts the console's static files: dist/console-ui/ at the package root. */
export const CONSOLE_ASSETS = fileURLToPath(new URL('../../dist/console-ui/', import.meta.url));

/** The page may load only its own files and talk only to its own origin; tool images come as data: URLs. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The missing-build warning is logged once per process, not per gateway started (tests start many). */
let warned = false;

const headers: RequestHandler = (_req, res, next) => {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-cache');
  next();
};

/**
 * Serves the console's static files at `path` (`/console` redirects to `/console/`, so the page's relative
 * asset URLs resolve). The files hold no data: everything shown comes from /v1, behind the client auth.
 */
export function consoleStatic(path: string, guard: RequestHandler, dir = CONSOLE_ASSETS): Router {
  const router = express.Router();
  const base = path === '/' ? '' : path;
  if (!existsSync(`${dir}/index.html`)) {
    if (!warned)
      log.warn({ dir }, 'web console files not found (run `npm run build`); the console answers 503');
    warned = true;
    router.get([path, `${base}/`], guard, (_req, res) => {
      res.status(503).type('text/plain').send('The web console is not built: run `npm run build`.\n');
    });
    return router;
  }
  if (base) {
    router.get(base, guard, (req, res, next) => {
      if (req.path !== base) return next();
      const query = req.originalUrl.slice(req.path.length);
      res.redirect(308, `${base}/${query}`);
    });
  }
  // Only the built files, by name: nothing else under the console's path (or the root) is touched.
  const files = readdirSync(dir).filter((f) => /^[\w.-]+$/.test(f));
  const send =
    (file: string): RequestHandler =>
    (_req, res, next) =>
      res.sendFile(file, { root: dir, dotfiles: 'deny' }, (err) => err && next(err));
  router.get(`${base}/`, guard, headers, send('index.html'));
  for (const f of files) router.get(`${base}/${f}`, guard, headers, send(f));
  return router;
}
