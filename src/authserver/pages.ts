import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { Consent } from './accounts.js';

/** Text made safe for HTML element content and quoted attributes. */
export function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2430}
main{max-width:34rem;margin:4rem auto;background:#fff;border-radius:10px;padding:2rem 2.25rem;box-shadow:0 1px 4px #0002}
h1{font-size:1.3rem;margin:0 0 1rem}
.muted{color:#5b6472;font-size:.92rem}
code{background:#eef0f3;padding:.05rem .3rem;border-radius:4px;word-break:break-all}
ul{padding-left:1.2rem}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{font:inherit;padding:.55rem 1.2rem;border-radius:6px;border:1px solid #b9c0ca;background:#fff;cursor:pointer}
button.primary{background:#1f5fd1;border-color:#1f5fd1;color:#fff}
table{width:100%;border-collapse:collapse}td{padding:.5rem .25rem;border-top:1px solid #e3e6ea;vertical-align:top}
.error{border-left:4px solid #c62828;padding-left:1rem}`;

/**
 * Sends a server-rendered page under a strict Content-Security-Policy: nothing loads from anywhere, the one
 * inline style block carries a nonce, and forms may post only here (and be redirected to `formTargets`).
 */
export function sendPage(
  res: Response,
  status: number,
  title: string,
  body: string,
  formTargets: string[] = [],
): void {
  const nonce = randomBytes(16).toString('base64');
  res.status(status);
  res.setHeader(
    'Content-Security-Policy',
    [
      "default-src 'none'",
      `style-src 'nonce-${nonce}'`,
      `form-action 'self' ${formTargets.join(' ')}`.trim(),
      "frame-ancestors 'none'",
      "base-uri 'none'",
    ].join('; '),
  );
  res.setHeader('X-Frame-Options', 'DENY');
  // Not no-referrer: with it Chromium sends "Origin: null" on the page's own form posts, which the Origin check refuses.
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  res
    .type('html')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
        `<title>${escapeHtml(title)}</title><style nonce="${nonce}">${STYLE}</style></head>` +
        `<body><main>${body}</main></body></html>`,
    );
}

/** What the consent page shows about one authorization request. */
export interface ConsentView {
  uid: string;
  csrf: string;
  clientName?: string;
  clientId: string;
  redirectUri: string;
  /** Whether the client was identified by a metadata document (its id is a URL). */
  metadataDocument: boolean;
  scopes: string[];
  resource: string;
  user: string;
}

/** The redirect's host, or its scheme for a private-use URI scheme (cursor://…). */
export function redirectHost(uri: string): string {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.host : `${u.protocol}//`;
  } catch {
    return uri;
  }
}

/** A CSP source allowing the redirect: its origin, or its scheme. */
export function redirectSource(uri: string): string {
  try {
    const u = new URL(uri);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : u.protocol;
  } catch {
    return '';
  }
}

/** The consent page: who asks, where the answer goes, what for; Allow or Deny (both POST with the CSRF token). */
export function consentPage(v: ConsentView): string {
  const name = v.clientName
    ? `<strong>${escapeHtml(v.clientName)}</strong>`
    : '<strong>An application</strong>';
  const scopes = v.scopes.length
    ? `<ul>${v.scopes.map((s) => `<li><code>${escapeHtml(s)}</code></li>`).join('')}</ul>`
    : '<p class="muted">No scopes: the access every signed-in user has.</p>';
  const id = v.metadataDocument
    ? `identified by its metadata document <code>${escapeHtml(v.clientId)}</code>`
    : `registered as <code>${escapeHtml(v.clientId)}</code>`;
  return `<h1>Allow access to the MCP gateway?</h1>
<p>${name} (${id}) asks to use <code>${escapeHtml(v.resource)}</code> as <strong>${escapeHtml(v.user)}</strong>.</p>
<p>If you allow it, you will be sent back to <code>${escapeHtml(redirectHost(v.redirectUri))}</code>. Allow only an application you just started signing in with.</p>
<p>It asks for:</p>${scopes}
<form method="post" action="/oauth/interaction/${escapeHtml(v.uid)}/consent">
<input type="hidden" name="csrf" value="${escapeHtml(v.csrf)}">
<div class="actions"><button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button></div></form>
<p class="muted">You can review and revoke what you allowed at <a href="/oauth/consents">/oauth/consents</a>.</p>`;
}

/** An error page: what happened, in words a user can act on. */
export function errorPage(title: string, message: string): string {
  return `<div class="error"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></div>`;
}

/** The signed-in user's remembered consents, each with a Revoke button. */
export function consentsPage(user: string, consents: Consent[], csrf: string): string {
  const rows = consents
    .map(
      (
        c,
      ) => `<tr><td><strong>${escapeHtml(c.clientName ?? c.clientId)}</strong><br><span class="muted"><code>${escapeHtml(c.clientId)}</code> → ${escapeHtml(c.redirectHost)}</span></td>
<td>${c.scopes.map((s) => `<code>${escapeHtml(s)}</code>`).join(' ')}</td><td class="muted">${escapeHtml(new Date(c.at).toISOString().slice(0, 10))}</td>
<td><form method="post" action="/oauth/consents/revoke"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<input type="hidden" name="client_id" value="${escapeHtml(c.clientId)}"><button type="submit">Revoke</button></form></td></tr>`,
    )
    .join('');
  return `<h1>Applications you allowed</h1><p class="muted">Signed in as ${escapeHtml(user)}.</p>
${consents.length ? `<table>${rows}</table>` : '<p>None.</p>'}
<p class="muted">Revoking ends the application's access at once: its tokens stop working and it must ask again.</p>`;
}
