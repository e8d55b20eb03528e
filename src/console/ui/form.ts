/** A form generated from a tool's JSON Schema input, and the arguments it yields. */
import { h } from './dom.js';

/** The subset of JSON Schema the form understands; anything else is edited as JSON. */
export interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  enum?: unknown[];
  description?: string;
  title?: string;
  default?: unknown;
  items?: Schema;
  minimum?: number;
  maximum?: number;
}

interface Field {
  name: string;
  required: boolean;
  /** The field's value; undefined = leave the argument out. Throws with a message on bad input. */
  read(): unknown;
}

const typeOf = (s: Schema): string | undefined =>
  Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;

let seq = 0;

function field(name: string, schema: Schema, required: boolean): { el: HTMLElement; field: Field } {
  const id = `arg-${++seq}`;
  const type = typeOf(schema);
  const hint = schema.description
    ? h('small', { class: 'hint', id: `${id}-hint` }, schema.description)
    : null;
  const label = h(
    'label',
    { for: id },
    h('code', {}, name),
    required ? h('span', { class: 'req', title: 'required' }, ' *') : null,
    type ? h('span', { class: 'type' }, ` ${type}`) : null,
  );
  const common = { id, name, 'aria-describedby': hint ? `${id}-hint` : undefined, required };
  let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
  let read: () => unknown;
  const dflt = schema.default;
  if (schema.enum) {
    const select = h(
      'select',
      common,
      required ? null : h('option', { value: '' }, '(not set)'),
      schema.enum.map((v, i) => h('option', { value: i, selected: v === dflt }, JSON.stringify(v))),
    );
    input = select;
    read = () => (select.value === '' ? undefined : schema.enum![Number(select.value)]);
  } else if (type === 'boolean') {
    const select = h(
      'select',
      common,
      required ? null : h('option', { value: '' }, '(not set)'),
      h('option', { value: 'true', selected: dflt === true }, 'true'),
      h('option', { value: 'false', selected: dflt === false || (required && dflt === undefined) }, 'false'),
    );
    input = select;
    read = () => (select.value === '' ? undefined : select.value === 'true');
  } else if (type === 'number' || type === 'integer') {
    const num = h('input', {
      ...common,
      type: 'number',
      step: type === 'integer' ? 1 : 'any',
      min: schema.minimum,
      max: schema.maximum,
      placeholder: dflt === undefined ? undefined : String(dflt),
    });
    input = num;
    read = () => {
      if (num.value.trim() === '') return undefined;
      const n = Number(num.value);
      if (!Number.isFinite(n)) throw new Error(`${name}: not a number`);
      return n;
    };
  } else if (type === 'string') {
    const text = h('input', {
      ...common,
      type: 'text',
      autocomplete: 'off',
      placeholder: dflt === undefined ? undefined : String(dflt),
    });
    input = text;
    read = () => (text.value === '' && !required ? undefined : text.value);
  } else {
    const area = h('textarea', {
      ...common,
      rows: 3,
      spellcheck: 'false',
      placeholder: type === 'array' ? '[ … ] as JSON' : '{ … } as JSON',
    });
    input = area;
    read = () => {
      if (area.value.trim() === '') return undefined;
      try {
        return JSON.parse(area.value) as unknown;
      } catch (err) {
        throw new Error(`${name}: not valid JSON (${(err as Error).message})`, { cause: err });
      }
    };
  }
  input.dataset.arg = name;
  return { el: h('div', { class: 'field' }, label, input, hint), field: { name, required, read } };
}

/** A form for a tool's arguments, with a JSON mode; `onSubmit` gets the arguments (or the input error). */
export function argumentsForm(
  schema: Schema | undefined,
  onSubmit: (args: Record<string, unknown>) => void,
  onInvalid: (message: string) => void,
  actions: HTMLElement[],
): HTMLFormElement {
  const props = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const built = Object.entries(props).map(([n, s]) => field(n, s, required.has(n)));
  const jsonArea = h('textarea', {
    class: 'args-json',
    rows: 8,
    spellcheck: 'false',
    'aria-label': 'Arguments as JSON',
    hidden: true,
  });
  let jsonMode = false;
  const collect = (): Record<string, unknown> => {
    const args: Record<string, unknown> = {};
    for (const { field: f } of built) {
      const v = f.read();
      if (v === undefined) {
        if (f.required) throw new Error(`${f.name} is required`);
        continue;
      }
      args[f.name] = v;
    }
    return args;
  };
  const fields = h(
    'div',
    { class: 'fields' },
    built.length ? built.map((b) => b.el) : h('p', { class: 'muted' }, 'This tool takes no arguments.'),
  );
  const toggle = h('button', { type: 'button', class: 'link' }, 'Edit as JSON');
  toggle.addEventListener('click', () => {
    if (!jsonMode) {
      try {
        jsonArea.value = JSON.stringify(collect(), null, 2);
      } catch {
        jsonArea.value = '{}';
      }
    }
    jsonMode = !jsonMode;
    jsonArea.hidden = !jsonMode;
    fields.hidden = jsonMode;
    toggle.textContent = jsonMode ? 'Edit as form' : 'Edit as JSON';
    (jsonMode ? jsonArea : fields.querySelector<HTMLElement>('input,select,textarea'))?.focus();
  });
  const form = h(
    'form',
    { class: 'try', novalidate: true },
    fields,
    jsonArea,
    h('div', { class: 'actions' }, ...actions, toggle),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    try {
      if (jsonMode) {
        const parsed = JSON.parse(jsonArea.value || '{}') as unknown;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new Error('arguments must be a JSON object');
        onSubmit(parsed as Record<string, unknown>);
      } else onSubmit(collect());
    } catch (err) {
      onInvalid((err as Error).message);
    }
  });
  return form;
}
