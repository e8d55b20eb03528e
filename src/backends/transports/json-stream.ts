import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a stream of JSON text into its top-level values as they complete: one value (a plain JSON answer),
 * several in a row, or newline-delimited ones. Some 2026-07-28 servers stream `application/json` this way
 * (a progress notification, then the answer; or a `subscriptions/listen` stream that never ends), which a
 * reader waiting for the whole body would never deliver. Linear in the input: only the new chunk is scanned
 * (brackets counted outside strings), and each value is parsed once, when it closes.
 */
const [QUOTE, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET] = [34, 123, 125, 91, 93];
const [SPACE, LF, CR, TAB] = [32, 10, 13, 9];

export class JsonSplitter {
  /** Earlier chunks' text of the value being read (only the new chunk is ever scanned). */
  private parts: string[] = [];
  private inValue = false;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Values found so far, counting those already returned. */
  count = 0;

  /** Adds text; returns the values that completed in it. Throws on text that is not JSON. */
  push(chunk: string): unknown[] {
    const out: unknown[] = [];
    const n = chunk.length;
    let { inValue, depth, inString, escaped } = this;
    let from = 0;
    // String contents are skipped with indexOf (native); the next backslash is looked up once per chunk pass.
    let backslash = chunk.indexOf('\\');
    for (let i = 0; i < n; i++) {
      if (escaped) {
        escaped = false;
        continue;
      }
      if (inString) {
        if (backslash !== -1 && backslash < i) backslash = chunk.indexOf('\\', i);
        const quote = chunk.indexOf('"', i);
        if (backslash !== -1 && (quote === -1 || backslash < quote)) {
          i = backslash;
          escaped = true;
        } else if (quote === -1) {
          i = n;
        } else {
          i = quote;
          inString = false;
        }
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (!inValue) {
        if (c === OPEN_BRACE || c === OPEN_BRACKET) {
          inValue = true;
          depth = 1;
          from = i;
        } else if (c !== SPACE && c !== LF && c !== CR && c !== TAB) {
          throw new SyntaxError(`unexpected ${JSON.stringify(chunk[i])} between JSON values`);
        }
      } else if (c === QUOTE) inString = true;
      else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) {
        this.parts.push(chunk.slice(from, i + 1));
        out.push(JSON.parse(this.parts.length === 1 ? this.parts[0]! : this.parts.join('')));
        this.parts = [];
        inValue = false;
        this.count++;
      }
    }
    if (inValue) this.parts.push(chunk.slice(from));
    Object.assign(this, { inValue, depth, inString, escaped });
    return out;
  }

  /** Throws when the text ended inside a value. */
  end(): void {
    if (this.inValue) throw new SyntaxError('the JSON text ended inside a value');
  }
}

/** What a JSON body reader does with what it reads. */
export interface JsonBodyHandlers {
  /** One value; throws when it is not a message (fails the read if it is the first). */
  deliver(value: unknown): void;
  /** A failure after the first value was delivered. */
  error(err: Error): void;
  /** Whether the body was cut on purpose (the transport closed, the request was aborted): not a failure. */
  intentional(): boolean;
  /** The body carried more than one value (a stream). */
  stream?(): void;
  /** The body ended after its first value. */
  ended?(): void;
}

/**
 * Reads a JSON body value by value: resolves once the first value was delivered (or the body ended empty,
 * which rejects), and keeps reading the rest in the background. Text that is not JSON rejects when nothing
 * was delivered yet, and is reported through `error` after that.
 */
export function readJsonBody(body: Readable, h: JsonBodyHandlers): Promise<void> {
  const splitter = new JsonSplitter();
  return new Promise((resolve, reject) => {
    let first = true;
    const fail = (err: unknown) => {
      if (h.intentional()) return resolve();
      const error = err instanceof Error ? err : new Error(String(err));
      if (!first) return h.error(error);
      first = false;
      reject(error);
    };
    // Bytes are decoded here (the body may ignore setEncoding), keeping characters split across chunks whole.
    const decoder = new StringDecoder('utf8');
    body.on('data', (chunk: Buffer | string) => {
      try {
        const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
        for (const value of splitter.push(text)) {
          if (splitter.count === 2) h.stream?.();
          h.deliver(value);
          if (first) {
            first = false;
            resolve();
          }
        }
      } catch (err) {
        if (first) body.destroy();
        fail(err);
      }
    });
    body.once('end', () => {
      try {
        splitter.end();
      } catch (err) {
        return fail(err);
      }
      if (first) {
        first = false;
        if (splitter.count === 0) return reject(new SyntaxError('the application/json answer was empty'));
        resolve();
      }
      h.ended?.();
    });
    body.once('error', fail);
  });
}
