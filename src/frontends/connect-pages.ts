/**
 * The pages a user opens to connect a backend that acts as each user by authorization code: `/connect/<id>`
 * (what is connected, for whom, and a Connect button), its POST (to the authorization server), and the OAuth
 * callback `/connect/callback`. They sit behind the gateway's Host and Origin checks; the page id is the
 * capability (unguessable, single use, short-lived), and a cookie set on the confirming browser binds the
 * callback to that browser. Codes and tokens never appear on a page or in a log line.
 */
import { randomBytes } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import { CALLBACK_PATH, ConnectFailed, type ConnectFlows } from '../backends/credentials/connect-flows.js';
import { OAuthTokenError } from '../backends/oauth/errors.js';
import { log } from '../log.js';

const COOKIE = 'sb_connect';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A plain page: no scripts, not framed, not cached, no referrer beyond the gateway. */
function page(res: Response, status: number, title: string, body: string): void {
  res
    .status(status)
    .set({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'same-origin',
      'x-frame-options': 'DENY',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    })
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title>` +
        '<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}' +
        'button{font-size:1rem;padding:.5rem 1.5rem}code{background:#eee;padding:0 .2rem}</style></head>' +
        `<body><h1>${escape(title)}</h1>${body}</body></html>`,
    );
}

function cookieOf(req: Request): string | undefined {
  const m = new RegExp(`(?:^|;\\s*)${COOKIE}=([A-Za-z0-9_-]+)`).exec(req.headers.cookie ?? '');
  return m?.[1];
}

/**
 * Who is signed in to the gateway in a browser (its own sign-in, gateway.auth.sign_in), for the principals it
 * vouches for.
 */
export interface BrowserIdentity {
  covers(principal: string): boolean;
  browserPrincipal(req: Request, res: Response): Promise<string | undefined>;
}

/**
 * Whether the browser may act on a page made for `principal`: when the gateway's sign-in vouches for that
 * principal, the browser must be signed in as it (answered with a 403 page otherwise).
 */
async function sameUser(
  identity: BrowserIdentity | undefined,
  principal: string,
  req: Request,
  res: Response,
) {
  if (!identity?.covers(principal)) return true;
  const signedIn = await identity.browserPrincipal(req, res);
  if (signedIn === principal) return true;
  log.warn(
    { principal, browser: signedIn ?? 'none' },
    'connect page refused: the browser is signed in as someone else',
  );
  page(
    res,
    403,
    'Not your link',
    `<p>This link connects <strong>${escape(principal)}</strong>. Open it in the browser where you signed in to ` +
      'switchboard as that user (your MCP client opened it for the sign-in).</p>',
  );
  return false;
}

/** Routes of the connect pages (mounted before the console, whose pages would otherwise answer). */
export function connectPages(flows: () => ConnectFlows, identity?: BrowserIdentity): Router {
  const router = express.Router();
  router.get(CALLBACK_PATH, (req, res) => {
    void callback(flows(), req, res);
  });
  router.get('/connect/:id', (req, res) => {
    void flows()
      .page(req.params.id)
      .then(
        async (pending) => {
          if (!pending) return gone(res);
          if (!(await sameUser(identity, pending.principal, req, res))) return;
          page(
            res,
            200,
            `Connect ${pending.backend}`,
            `<p>Switchboard will act as <strong>${escape(pending.principal)}</strong> at backend ` +
              `<strong>${escape(pending.backend)}</strong> with the access you grant at its authorization server.</p>` +
              '<p>Continue only if you started this from your own MCP client just now.</p>' +
              `<form method="post" action="/connect/${encodeURIComponent(req.params.id)}"><button type="submit">Connect</button></form>`,
          );
        },
        (err: unknown) => failed(res, err),
      );
  });
  router.post('/connect/:id', (req, res) => {
    const browser = randomBytes(24).toString('base64url');
    const id = req.params.id;
    flows()
      .page(id)
      .then(async (pending) =>
        pending && !(await sameUser(identity, pending.principal, req, res))
          ? undefined
          : flows().authorize(id, browser),
      )
      .then(
        (url) => {
          if (!url) return;
          const secure = req.protocol === 'https' || flows().base().startsWith('https:');
          res.cookie(COOKIE, browser, {
            httpOnly: true,
            sameSite: 'lax',
            path: '/connect',
            maxAge: flows().ttlMs,
            secure,
          });
          res.redirect(303, url.href);
        },
        (err: unknown) => (err instanceof ConnectFailed ? gone(res, err.message) : failed(res, err)),
      );
  });
  return router;
}

async function callback(flows: ConnectFlows, req: Request, res: Response): Promise<void> {
  const q = req.query as Record<string, unknown>;
  const state = typeof q.state === 'string' ? q.state : undefined;
  if (!state) return page(res, 400, 'Not connected', '<p>The authorization server sent no state.</p>');
  if (typeof q.error === 'string') {
    const flow = await flows.cancel(state).catch(() => undefined);
    const error = q.error.slice(0, 100);
    const description = typeof q.error_description === 'string' ? q.error_description.slice(0, 200) : '';
    log.warn(
      { backend: flow?.backend, principal: flow?.principal, error },
      'a user did not connect a backend',
    );
    const why = `${error}${description ? ` (${description})` : ''}`;
    return page(
      res,
      400,
      'Not connected',
      `<p>The authorization server answered <code>${escape(why)}</code>.</p>`,
    );
  }
  if (typeof q.code !== 'string')
    return page(res, 400, 'Not connected', '<p>The authorization server sent no code.</p>');
  try {
    const flow = await flows.finish(state, q.code, cookieOf(req));
    res.clearCookie(COOKIE, { path: '/connect' });
    page(
      res,
      200,
      `Connected ${flow.backend}`,
      `<p>Backend <strong>${escape(flow.backend)}</strong> now acts as <strong>${escape(flow.principal)}</strong>. ` +
        'You can close this page and go back to your client.</p>',
    );
  } catch (err) {
    if (err instanceof ConnectFailed)
      return page(res, 400, 'Not connected', `<p>${escape(err.message)}.</p>`);
    failed(res, err);
  }
}

function gone(
  res: Response,
  why = 'this connect link was already used or has expired; call the tool again for a new one',
): void {
  page(res, 410, 'Link expired', `<p>${escape(why)}.</p>`);
}

function failed(res: Response, err: unknown): void {
  // OAuth failures name the endpoint and the OAuth error (never the code or a token); anything else is logged.
  if (err instanceof OAuthTokenError)
    return page(res, 502, 'Not connected', `<p>${escape(err.message)}.</p>`);
  log.error({ err: err instanceof Error ? err.message : String(err) }, 'connect page failed');
  page(
    res,
    500,
    'Not connected',
    '<p>The gateway could not complete this step; try again from your client.</p>',
  );
}
