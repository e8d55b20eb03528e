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
