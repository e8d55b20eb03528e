/** The JSON value splitter: one value, several in a row, newline-delimited, split anywhere, and bad text. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Readable } from 'node:stream';
import { JsonSplitter, readJsonBody } from '../../../src/backends/transports/json-stream.js';

describe('JsonSplitter', () => {
  it('returns a single value once it closes, and several values in a row', () => {
    const s = new JsonSplitter();
    assert.deepEqual(s.push('{"a":1'), []);
    assert.deepEqual(s.push('}'), [{ a: 1 }]);
    assert.deepEqual(s.push('\n{"b":[1,{"c":"}"}]}\n[2]'), [{ b: [1, { c: '}' }] }, [2]]);
    assert.equal(s.count, 3);
    s.end();
  });

  it('keeps brackets and escaped quotes inside strings out of the count, across chunks', () => {
    const s = new JsonSplitter();
    const text = '{"t":"a \\"{[\\" b","n":{"x":"]"}}';
    const out: unknown[] = [];
    for (const ch of text) out.push(...s.push(ch));
    assert.deepEqual(out, [JSON.parse(text)]);
  });

  it('finds every value of a long stream cut at arbitrary points', () => {
    const values = Array.from({ length: 200 }, (_, i) => ({ i, s: `q\\"{[${'x'.repeat(i)}\\\\]}"` }));
    const text = values.map((v) => JSON.stringify(v)).join('\n');
    const s = new JsonSplitter();
    const out: unknown[] = [];
    for (let at = 0, step = 1; at < text.length; at += step, step = (step * 7) % 97 || 1) {
      out.push(...s.push(text.slice(at, at + step)));
    }
    s.end();
    assert.deepEqual(out, values);
  });

  it('reads pretty-printed JSON as one value', () => {
    const s = new JsonSplitter();
    assert.deepEqual(s.push(JSON.stringify({ a: { b: [1, 2] } }, null, 2)), [{ a: { b: [1, 2] } }]);
  });

  it('throws on text between values and on a body that ends inside a value', () => {
    assert.throws(() => new JsonSplitter().push('{"a":1} nope'), /between JSON values/);
    const s = new JsonSplitter();
    s.push('{"a":');
    assert.throws(() => s.end(), /ended inside a value/);
  });
});

describe('readJsonBody', () => {
  const handlers = (got: unknown[]) => ({
    deliver: (v: unknown) => void got.push(v),
    error: (e: Error) => void got.push(e),
    intentional: () => false,
  });

  it('decodes characters split across byte chunks and delivers each value', async () => {
    const bytes = Buffer.from('{"t":"Zürich ✓"}\n{"n":2}\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of "ü"
    const got: unknown[] = [];
    await readJsonBody(Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]), handlers(got));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(got, [{ t: 'Zürich ✓' }, { n: 2 }]);
  });

  it('rejects a body that is not JSON or is empty', async () => {
    await assert.rejects(
      readJsonBody(Readable.from([Buffer.from('nope')]), handlers([])),
      /between JSON values/,
    );
    await assert.rejects(readJsonBody(Readable.from([]), handlers([])), /empty/);
  });
});
