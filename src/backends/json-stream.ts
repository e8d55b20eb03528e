import type { Readable } from 'node:stream';

/**
 * Splits a stream of JSON text into its top-level values as they complete: one value (a plain JSON answer),
 * several in a row, or newline-delimited ones. Some 2026-07-28 servers stream `application/json` this way
 * (a progress notification, then the answer; or a `subscriptions/listen` stream that never ends), which a
 * reader waiting for the whole body would never deliver. Linear in the input: brackets are counted outside
 * strings, and each value is parsed once, when it closes.
 */
export class JsonSplitter {
  private buffer = '';
  /** Where the value being read starts in `buffer`, or -1 between values. */
  private start = -1;
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** Values found so far, counting those already returned. */
  count = 0;

  /** Adds text; returns the values that completed in it. Throws on text that is not JSON. */
  push(chunk: string): unknown[] {
    this.buffer += chunk;
    const out: unknown[] = [];
    const b = this.buffer;
    for (let i = this.scanned; i < b.length; i++) {
      const c = b[i]!;
      if (this.start < 0) {
        if (c === '{' || c === '[') {
          this.start = i;
          this.depth = 1;
        } else if (c !== ' ' && c !== '\n' && c !== '\r' && c !== '\t') {
          throw new SyntaxError(`unexpected ${JSON.stringify(c)} between JSON values`);
        }
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === '\\') this.escaped = true;
        else if (c === '"') this.inString = false;
      } else if (c === '"') this.inString = true;
      else if (c === '{' || c === '[') this.depth++;
      else if (c === '}' || c === ']') {
        if (--this.depth === 0) {
          out.push(JSON.parse(b.slice(this.start, i + 1)));
          this.count++;
          this.start = -1;
        }
      }
    }
    // Keep only the value in progress.
    if (this.start < 0) {
      this.buffer = '';
      this.scanned = 0;
    } else {
      this.buffer = b.slice(this.start);
      this.scanned = this.buffer.length;
      this.start = 0;
    }
    return out;
  }

  /** Throws when the text ended inside a value. */
  end(): void {
    if (this.start >= 0) throw new SyntaxError('the JSON text ended inside a value');
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
    body.setEncoding('utf8');
    body.on('data', (chunk: string) => {
      try {
        for (const value of splitter.push(chunk)) {
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
