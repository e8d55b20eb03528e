/** One server-sent event, as the HTML spec's event stream format defines it. */
export interface SseEvent {
  /** The `event:` field; empty for the default `message` type. */
  event: string;
  /** The `data:` lines joined with `\n`. */
  data: string;
  /** The `id:` field of this event, when it had one. */
  id?: string;
}

/**
 * An incremental `text/event-stream` parser for text chunks: complete lines are parsed as they arrive, an
 * event is emitted at each blank line, `retry:` values are reported, comments are ignored. Lines may end in
 * `\n`, `\r\n` or `\r`.
 */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id?: string;
  private pendingCr = false;

  constructor(
    private readonly onEvent: (event: SseEvent) => void,
    private readonly onRetry?: (ms: number) => void,
  ) {}

  /** Feeds the next chunk of the stream. */
  push(chunk: string): void {
    let text = chunk;
    // A `\r\n` split across chunks: the `\r` already ended the line, so the `\n` is not a second, empty one.
    if (this.pendingCr && text.startsWith('\n')) text = text.slice(1);
    this.pendingCr = false;
    this.buffer += text;
    let start = 0;
    const buf = this.buffer;
    for (let i = 0; i < buf.length; i++) {
      const c = buf.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      this.line(buf.slice(start, i));
      if (c === 13) {
        if (i + 1 < buf.length) {
          if (buf.charCodeAt(i + 1) === 10) i++;
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
    }
    this.buffer = start === 0 ? buf : buf.slice(start);
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.charCodeAt(0) === 58) return; // ':' starts a comment
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.id = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.onRetry?.(Number(value));
        break;
    }
  }

  private dispatch(): void {
    const event: SseEvent = { event: this.event, data: this.data.join('\n') };
    if (this.id !== undefined) event.id = this.id;
    const hadFields = this.data.length > 0 || this.id !== undefined;
    this.data = [];
    this.event = '';
    this.id = undefined;
    if (hadFields) this.onEvent(event);
  }
}
