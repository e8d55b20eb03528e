/** The Tools panel: search (discovery ranking), the merged list, a tool's details and its Try it form. */
import { api, ApiError, openStream, readEvents } from './api.js';
import { h, json, replace } from './dom.js';
import { argumentsForm, type Schema } from './form.js';
import { renderError, renderResult } from './result.js';

/** A tool of GET /v1/tools. */
interface Tool {
  name: string;
  title?: string;
  description?: string;
  backend: string;
  inputSchema?: Schema;
  outputSchema?: unknown;
  annotations?: Record<string, unknown>;
}

interface Hit {
  name: string;
  backend: string;
  description?: string;
  score: number;
}

const firstLine = (s = '') => s.split('\n')[0]!.slice(0, 200);

/** The panel; `load` refreshes the list (on open, and when the catalog changes), `select` opens a tool. */
export class ToolsPanel {
  readonly el: HTMLElement;
  private readonly search = h('input', {
    type: 'search',
    id: 'tool-search',
    placeholder: 'Search tools (press / to focus)',
    autocomplete: 'off',
    'aria-controls': 'tool-list',
  });
  private readonly list = h('ul', { id: 'tool-list', class: 'tool-list', 'aria-label': 'Tools' });
  private readonly status = h('p', { class: 'muted', 'aria-live': 'polite' });
  private readonly detail = h('div', { class: 'tool-detail', id: 'tool-detail' });
  private tools: Tool[] = [];
  private selected?: string;
  private query = '';
  private searchSeq = 0;
  private timer?: number;
  private call?: AbortController;

  constructor() {
    this.search.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = window.setTimeout(() => void this.runSearch(), 150);
    });
    this.search.addEventListener('keydown', (ev) => {
      if (ev.key === 'ArrowDown') {
        ev.preventDefault();
        this.list.querySelector<HTMLElement>('a')?.focus();
      }
    });
    this.list.addEventListener('keydown', (ev) => {
      const links = [...this.list.querySelectorAll<HTMLElement>('a')];
      const i = links.indexOf(document.activeElement as HTMLElement);
      if (ev.key === 'ArrowDown' && i >= 0) links[i + 1]?.focus();
      else if (ev.key === 'ArrowUp' && i > 0) links[i - 1]?.focus();
      else if (ev.key === 'ArrowUp' && i === 0) this.search.focus();
      else return;
      ev.preventDefault();
    });
    this.el = h(
      'section',
      { class: 'panel tools', id: 'tools', 'aria-labelledby': 'tools-title' },
      h('h2', { id: 'tools-title' }, 'Tools'),
      h(
        'div',
        { class: 'split' },
        h(
          'div',
          { class: 'left' },
          h('label', { for: 'tool-search', class: 'sr-only' }, 'Search tools'),
          this.search,
          this.status,
          this.list,
        ),
        this.detail,
      ),
    );
  }

  /** Focuses the search box. */
  focusSearch(): void {
    this.search.focus();
    this.search.select();
  }

  async load(): Promise<void> {
    const { tools } = await api<{ tools: Tool[] }>('/tools');
    const shown = (name?: string) => JSON.stringify(this.tools.find((t) => t.name === name) ?? null);
    const before = shown(this.selected);
    this.tools = tools;
    if (this.query) await this.runSearch();
    else this.showList();
    // A catalog change elsewhere keeps a half-filled form and its result; only a changed or vanished tool re-renders.
    if (this.selected && shown(this.selected) !== before) this.renderDetail(this.selected, false);
  }

  /** Opens a tool's details (from the URL hash). */
  select(name: string | undefined): void {
    if (name === this.selected) return;
    this.selected = name;
    for (const a of this.list.querySelectorAll('a'))
      a.setAttribute('aria-current', String(a.dataset.tool === name));
    if (name) this.renderDetail(name, true);
    else
      replace(this.detail, h('p', { class: 'muted' }, 'Choose a tool to see its input schema and try it.'));
  }

  private showList(hits?: Hit[]): void {
    const items = hits
      ? hits.map((hit) => ({
          name: hit.name,
          backend: hit.backend,
          description: hit.description,
          score: hit.score,
        }))
      : this.tools.map((t) => ({
          name: t.name,
          backend: t.backend,
          description: t.description,
          score: undefined,
        }));
    this.status.textContent = hits
      ? `${hits.length} match${hits.length === 1 ? '' : 'es'} for “${this.query}”, best first.`
      : `${this.tools.length} tool${this.tools.length === 1 ? '' : 's'}.`;
    replace(
      this.list,
      items.map((t) =>
        h(
          'li',
          {},
          h(
            'a',
            {
              href: `#/tools/${encodeURIComponent(t.name)}`,
              'data-tool': t.name,
              'aria-current': String(t.name === this.selected),
            },
            h('span', { class: 'tool-name' }, t.name),
            h('span', { class: 'badge' }, t.backend),
            t.score !== undefined
              ? h('span', { class: 'score', title: 'discovery score' }, t.score.toFixed(2))
              : null,
            t.description ? h('span', { class: 'desc' }, firstLine(t.description)) : null,
          ),
        ),
      ),
    );
  }

  private async runSearch(): Promise<void> {
    this.query = this.search.value.trim();
    const seq = ++this.searchSeq;
    if (!this.query) return this.showList();
    try {
      const { results } = await api<{ results: Hit[] }>('/discover', { query: this.query, limit: 25 });
      if (seq === this.searchSeq) this.showList(results);
    } catch (err) {
      if (seq === this.searchSeq) this.status.textContent = `Search failed: ${(err as Error).message}`;
    }
  }

  private renderDetail(name: string, focus: boolean): void {
    const tool = this.tools.find((t) => t.name === name);
    if (!tool) {
      replace(
        this.detail,
        h('p', { class: 'error', role: 'alert' }, `No tool “${name}” (it may have gone with its backend).`),
      );
      return;
    }
    this.call?.abort();
    const output = h('div', { class: 'output' });
    const progress = h('div', { class: 'progress', hidden: true, 'aria-live': 'polite' });
    const callButton = h('button', { type: 'submit', class: 'primary' }, 'Call');
    const cancel = h('button', { type: 'button', hidden: true }, 'Cancel');
    cancel.addEventListener('click', () => this.call?.abort());
    const form = argumentsForm(
      tool.inputSchema,
      (args) => void this.invoke(tool.name, args, { output, progress, callButton, cancel }),
      (message) => replace(output, renderError(new ApiError(0, 'Check the arguments', message))),
      [callButton, cancel],
    );
    const title = h('h3', { tabindex: -1 }, tool.title ? `${tool.title} ` : '', h('code', {}, tool.name));
    replace(
      this.detail,
      title,
      h('p', {}, 'Backend ', h('span', { class: 'badge' }, tool.backend)),
      tool.description ? h('p', { class: 'description' }, tool.description) : null,
      tool.annotations ? h('details', {}, h('summary', {}, 'Annotations'), json(tool.annotations)) : null,
      h(
        'details',
        // A long schema starts folded, so the form stays in view; the Try it form shows its fields anyway.
        { open: JSON.stringify(tool.inputSchema ?? {}).length < 1500 },
        h('summary', {}, 'Input schema'),
        json(tool.inputSchema ?? {}, 'Input schema'),
      ),
      tool.outputSchema ? h('details', {}, h('summary', {}, 'Output schema'), json(tool.outputSchema)) : null,
      h('h3', {}, 'Try it'),
      form,
      progress,
      output,
    );
    if (focus) title.focus();
  }

  private async invoke(
    name: string,
    args: Record<string, unknown>,
    ui: {
      output: HTMLElement;
      progress: HTMLElement;
      callButton: HTMLButtonElement;
      cancel: HTMLButtonElement;
    },
  ): Promise<void> {
    this.call?.abort();
    const ctrl = (this.call = new AbortController());
    const bar = h('progress', { 'aria-label': 'Progress' });
    const note = h('span', {}, 'Calling…');
    replace(ui.progress, bar, ' ', note);
    ui.progress.hidden = false;
    ui.output.replaceChildren();
    ui.callButton.disabled = true;
    ui.cancel.hidden = false;
    let done = false;
    try {
      const res = await openStream(`/tools/${encodeURIComponent(name)}/call`, args, ctrl.signal);
      if (!(res.headers.get('content-type') ?? '').includes('text/event-stream')) {
        replace(ui.output, renderResult((await res.json()) as Record<string, unknown>));
        done = true;
      } else {
        await readEvents(res, (e) => {
          const data = JSON.parse(e.data) as Record<string, unknown>;
          if (e.event === 'progress') {
            const total = typeof data.total === 'number' ? data.total : undefined;
            bar.value = Number(data.progress);
            if (total !== undefined) bar.max = total;
            note.textContent = `${String(data.progress)}${total !== undefined ? ` of ${total}` : ''}${data.message ? ` — ${String(data.message)}` : ''}`;
          } else if (e.event === 'result') {
            replace(ui.output, renderResult(data));
            done = true;
          } else if (e.event === 'error') {
            replace(
              ui.output,
              renderError(
                new ApiError(
                  Number(data.status ?? 0),
                  String(data.title ?? 'Call failed'),
                  String(data.detail ?? ''),
                ),
              ),
            );
            done = true;
          }
        });
        if (!done)
          replace(
            ui.output,
            renderError(new ApiError(0, 'Call interrupted', 'the stream ended without a result')),
          );
      }
    } catch (err) {
      if (ctrl.signal.aborted)
        replace(ui.output, renderError(new ApiError(0, 'Cancelled', 'the call was cancelled')));
      else replace(ui.output, renderError(err as Error));
    } finally {
      if (this.call === ctrl) this.call = undefined;
      ui.progress.hidden = true;
      ui.callButton.disabled = false;
      ui.cancel.hidden = true;
      ui.output.querySelector<HTMLElement>('h3')?.setAttribute('tabindex', '-1');
    }
  }
}
