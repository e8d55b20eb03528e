import { createHmac, timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import type Provider from 'oidc-provider';
import type { SignInSettings } from '../config/model.js';
import { log } from '../log.js';
import type { Accounts } from './accounts.js';
import { hashId, revokeGrant } from './adapter.js';
import { IdpRefused, IdpUnavailable, refusal, type PendingLogin, type UpstreamIdp } from './idp.js';
import { consentPage, consentsPage, errorPage, redirectHost, redirectSource, sendPage } from './pages.js';
import type { AuthStore } from './store.js';

/** How long a login may take at the identity provider. */
const LOGIN_TTL_MS = 10 * 60_000;

/** What the interaction routes work with. */
export interface InteractionDeps {
  provider: Provider;
  idp: UpstreamIdp;
  accounts: Accounts;
  store: AuthStore;
  settings: SignInSettings;
  /** Secret for CSRF tokens. */
  csrfKey: Buffer;
  /** Told of each sign-in at the identity provider: the user, or why it was refused (the audit trail). */
  signedIn?: SignInListener;
}

/** A sign-in's end: the user's subject when known, and the refusal's reason when refused. */
export type SignInListener = (e: { subject?: string; refused?: string; idp: string }) => void;

type LoginResult = { accountId: string } | { error: string; error_description: string };

const pendingKey = (state: string) => `Login:${hashId(state)}`;
const resultKey = (uid: string) => `LoginResult:${hashId(uid)}`;

/** The interaction's uid, from the route: oidc-provider's ids are URL-safe (nanoid). */
const uidOf = (req: Request) => String(req.params.uid ?? '');

/**
 * The browser side of sign-in: the login redirect to the identity provider and its callback, the consent page,
 * and the page where a user reviews and revokes what they allowed. Mounted under /oauth.
 */
export function interactionRoutes(d: InteractionDeps): Router {
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '8kb' });
  const csrf = (purpose: string) => createHmac('sha256', d.csrfKey).update(purpose).digest('base64url');
  const csrfOk = (purpose: string, given: unknown) => {
    const want = Buffer.from(csrf(purpose));
    const got = Buffer.from(typeof given === 'string' ? given : '');
    return got.length === want.length && timingSafeEqual(got, want);
  };

  /** A page saying the sign-in cannot continue, and what to do. */
  const fail = (res: Response, status: number, title: string, message: string, cause?: string) => {
    log.warn({ status, cause: cause ?? message }, `sign-in: ${title}`);
    sendPage(res, status, title, errorPage(title, message));
  };
  const lost = (res: Response, err: unknown) =>
    fail(
      res,
      400,
      'This sign-in has expired',
      'It took too long, or was started in another browser. Start again from your application.',
      err instanceof Error ? err.message : String(err),
    );
  const idpDown = (res: Response, err: Error) =>
    fail(
      res,
      503,
      'The identity provider is not answering',
      `${d.idp.name} could not be reached or failed. Try again in a moment; if it keeps failing, tell whoever runs this gateway.`,
      err.message,
    );

  router.get('/oauth/interaction/:uid', async (req, res) => {
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await d.provider.interactionDetails(req, res);
    } catch (err) {
      return lost(res, err);
    }
    if (details.uid !== uidOf(req)) return lost(res, 'interaction cookie of another sign-in');
    if (details.prompt.name === 'login') {
      let start: Awaited<ReturnType<UpstreamIdp['start']>>;
      try {
        start = await d.idp.start();
      } catch (err) {
        return idpDown(res, err as Error);
      }
      const pending: PendingLogin & { uid: string } = { ...start.pending, uid: details.uid };
      await d.store.set(pendingKey(pending.state), JSON.stringify(pending), LOGIN_TTL_MS);
      res.setHeader('Cache-Control', 'no-store');
      return res.redirect(303, start.url.href);
    }
    return showConsent(req, res, details);
  });

  async function showConsent(
    _req: Request,
    res: Response,
    details: Awaited<ReturnType<Provider['interactionDetails']>>,
  ): Promise<void> {
    const params = details.params as Record<string, string | undefined>;
    const client = await d.provider.Client.find(params.client_id ?? '');
    const sub = details.session?.accountId;
    if (!client || !sub) return lost(res, 'client or account gone');
    const account = await d.accounts.find(sub);
    const redirectUri = params.redirect_uri ?? '';
    const requested = (params.scope ?? '').split(' ').filter((s) => d.settings.scopes.includes(s));
    const page = consentPage({
      uid: details.uid,
      csrf: csrf(`consent:${details.uid}`),
      clientName: client.clientName,
      clientId: client.clientId,
      redirectUri,
      metadataDocument: /^https:\/\//.test(client.clientId),
      scopes: requested,
      resource: d.settings.resource,
      user: account?.email ?? sub,
    });
    sendPage(res, 200, 'Allow access?', page, [redirectSource(redirectUri)].filter(Boolean));
  }

  router.get('/oauth/callback', async (req, res) => {
    const state = typeof req.query.state === 'string' ? req.query.state : '';
    const key = pendingKey(state);
    const record = state ? await d.store.get(key) : undefined;
    if (!record || !(await d.store.consume(key, Math.floor(Date.now() / 1000))))
      return lost(res, 'unknown or reused login state');
    const pending = JSON.parse(record.payload) as PendingLogin & { uid: string };
    let result: LoginResult;
    try {
      const account = await d.idp.finish(new URL(req.originalUrl, d.idp.redirectUri), pending);
      const refused = refusal(account, d.settings.allow);
      if (refused) {
        log.warn({ principal: account.sub }, `sign-in refused: ${refused}`);
        d.signedIn?.({ subject: account.sub, refused, idp: d.idp.name });
        result = { error: 'access_denied', error_description: refused };
      } else {
        await d.accounts.save(account);
        log.info({ principal: account.sub, idp: d.idp.name }, 'sign-in: user authenticated');
        d.signedIn?.({ subject: account.sub, idp: d.idp.name });
        result = { accountId: account.sub };
      }
    } catch (err) {
      if (err instanceof IdpUnavailable) return idpDown(res, err);
      if (!(err instanceof IdpRefused)) throw err;
      log.warn({ cause: err.message }, 'sign-in refused by the identity provider');
      d.signedIn?.({ refused: 'identity_provider', idp: d.idp.name });
      result = { error: 'access_denied', error_description: err.message };
    }
    await d.store.set(resultKey(pending.uid), JSON.stringify(result), LOGIN_TTL_MS);
    res.setHeader('Cache-Control', 'no-store');
    res.redirect(303, `/oauth/interaction/${encodeURIComponent(pending.uid)}/login`);
  });

  // Back in the browser that started the sign-in (its interaction cookie is scoped to this path).
  router.get('/oauth/interaction/:uid/login', async (req, res) => {
    try {
      const details = await d.provider.interactionDetails(req, res);
      const key = resultKey(details.uid);
      const record = details.uid === uidOf(req) ? await d.store.get(key) : undefined;
      if (!record) return lost(res, 'no login result for this interaction');
      await d.store.delete(key);
      const r = JSON.parse(record.payload) as LoginResult;
      const result = 'error' in r ? r : { login: { accountId: r.accountId, remember: true } };
      await d.provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    } catch (err) {
      lost(res, err);
    }
  });

  router.post('/oauth/interaction/:uid/consent', form, async (req, res) => {
    let details: Awaited<ReturnType<Provider['interactionDetails']>>;
    try {
      details = await d.provider.interactionDetails(req, res);
    } catch (err) {
      return lost(res, err);
    }
    const body = req.body as Record<string, unknown>;
    if (
      details.uid !== uidOf(req) ||
      details.prompt.name !== 'consent' ||
      !csrfOk(`consent:${details.uid}`, body.csrf)
    )
      return fail(
        res,
        403,
        'This form is not valid',
        'Open the consent page again from your application.',
        'consent: bad CSRF token or stale form',
      );
    if (body.decision !== 'allow') {
      log.info(
        { principal: details.session?.accountId, client: details.params.client_id },
        'sign-in: user denied consent',
      );
      return d.provider.interactionFinished(req, res, {
        error: 'access_denied',
        error_description: 'the user denied access',
      });
    }
    const sub = details.session!.accountId;
    const clientId = String(details.params.client_id);
    const grant = details.grantId
      ? ((await d.provider.Grant.find(details.grantId)) ?? new d.provider.Grant({ accountId: sub, clientId }))
      : new d.provider.Grant({ accountId: sub, clientId });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
      grant.addResourceScope(indicator, scopes.join(' '));
    const grantId = await grant.save();
    const client = await d.provider.Client.find(clientId);
    const previous = await d.accounts.consent(sub, clientId);
    if (previous && previous.grantId !== grantId) await revokeGrant(d.store, previous.grantId);
    await d.accounts.remember(sub, {
      clientId,
      clientName: client?.clientName,
      redirectHost: redirectHost(String(details.params.redirect_uri ?? '')),
      scopes: String(details.params.scope ?? '')
        .split(' ')
        .filter((s) => d.settings.scopes.includes(s)),
      grantId,
      at: Date.now(),
    });
    log.info({ principal: sub, client: clientId }, 'sign-in: user allowed a client');
    await d.provider.interactionFinished(
      req,
      res,
      { consent: { grantId } },
      { mergeWithLastSubmission: true },
    );
  });

  router.get('/oauth/consents', async (req, res) => {
    const session = await d.provider.Session.get(d.provider.createContext(req, res));
    const sub = session.accountId;
    if (!sub)
      return sendPage(
        res,
        401,
        'Not signed in',
        errorPage(
          'Not signed in',
          'Sign in from an application first; this page then lists what you allowed.',
        ),
      );
    const account = await d.accounts.find(sub);
    sendPage(
      res,
      200,
      'Applications you allowed',
      consentsPage(account?.email ?? sub, await d.accounts.consents(sub), csrf(`consents:${session.uid}`)),
    );
  });

  router.post('/oauth/consents/revoke', form, async (req, res) => {
    const session = await d.provider.Session.get(d.provider.createContext(req, res));
    const sub = session.accountId;
    const body = req.body as Record<string, unknown>;
    if (!sub || !csrfOk(`consents:${session.uid}`, body.csrf))
      return fail(
        res,
        403,
        'This form is not valid',
        'Open the list of applications again.',
        'consents: not signed in or bad CSRF token',
      );
    const consent = await d.accounts.forget(sub, String(body.client_id ?? ''));
    if (consent) {
      await revokeGrant(d.store, consent.grantId);
      log.info({ principal: sub, client: consent.clientId }, 'sign-in: user revoked a client');
    }
    res.redirect(303, '/oauth/consents');
  });

  return router;
}
