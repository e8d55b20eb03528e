/** Renders a CallToolResult: text, images, audio, embedded resources and links, structured content. */
import { h, json } from './dom.js';
import type { ApiError } from './api.js';

type Block = Record<string, unknown> & { type?: string };

function resource(r: Record<string, unknown>): HTMLElement {
  const uri = String(r.uri ?? '');
  const mime = typeof r.mimeType === 'string' ? r.mimeType : undefined;
  const head = h('div', { class: 'res-head' }, 'Resource ', h('code', {}, uri), mime ? ` (${mime})` : '');
  if (typeof r.text === 'string')
    return h('div', { class: 'block resource' }, head, h('pre', { tabindex: 0 }, r.text));
  if (typeof r.blob === 'string') {
    const url = `data:${mime ?? 'application/octet-stream'};base64,${r.blob}`;
    const body = mime?.startsWith('image/')
      ? h('img', { src: url, alt: `resource ${uri}` })
      : h(
          'a',
          { href: url, download: uri.split('/').pop() || 'resource' },
          `Download (${Math.round((r.blob.length * 3) / 4)} bytes)`,
        );
    return h('div', { class: 'block resource' }, head, body);
  }
  return h('div', { class: 'block resource' }, head);
}

function block(c: Block): HTMLElement {
  switch (c.type) {
    case 'text':
      return h('pre', { class: 'block text', tabindex: 0 }, String(c.text ?? ''));
    case 'image':
      return h(
        'div',
        { class: 'block image' },
        h('img', {
          src: `data:${String(c.mimeType)};base64,${String(c.data)}`,
          alt: `image (${String(c.mimeType)})`,
        }),
      );
    case 'audio':
      return h(
        'div',
        { class: 'block audio' },
        h('audio', { controls: true, src: `data:${String(c.mimeType)};base64,${String(c.data)}` }),
      );
    case 'resource':
      return resource((c.resource ?? {}) as Record<string, unknown>);
    case 'resource_link':
      return h(
        'div',
        { class: 'block link' },
        'Resource link ',
        h('code', {}, String(c.uri ?? '')),
        c.name ? ` ${String(c.name)}` : '',
        c.description ? h('div', { class: 'muted' }, String(c.description)) : null,
      );
    default:
      return h('div', { class: 'block' }, json(c));
  }
}

/** The result of a call: its content blocks, structured content, and whether the tool reported an error. */
export function renderResult(result: Record<string, unknown>): HTMLElement {
  const content = Array.isArray(result.content) ? (result.content as Block[]) : [];
  const isError = result.isError === true;
  return h(
    'section',
    {
      class: `result${isError ? ' is-error' : ''}`,
      'aria-live': 'polite',
      'data-outcome': isError ? 'tool-error' : 'ok',
    },
    h('h3', {}, isError ? 'The tool reported an error' : 'Result'),
    content.map(block),
    'structuredContent' in result
      ? h('div', { class: 'structured' }, h('h4', {}, 'Structured content'), json(result.structuredContent))
      : null,
  );
}

/** A refusal or failure of the call itself, shown plainly. */
export function renderError(err: ApiError | Error): HTMLElement {
  const api = err as Partial<ApiError>;
  return h(
    'section',
    { class: 'result failed', role: 'alert', 'data-outcome': 'error' },
    h('h3', {}, api.title ?? 'Call failed'),
    h('p', {}, api.detail ?? err.message),
    api.status ? h('p', { class: 'muted' }, `HTTP ${api.status}`) : null,
  );
}
