import { createWriteStream, type WriteStream } from 'node:fs';
import type { AuditEvent } from '../event.js';
import type { AuditSink } from './sink.js';

/** How long a file sink waits after a failure before it opens the file again. */
const REOPEN_MS = 5000;

/** JSON lines appended to a file: opened on first use, and again (at most every 5 s) after a failure. */
export class FileSink implements AuditSink {
  readonly name = 'file';
  private stream?: WriteStream;
  private failedAt = 0;
  private failure?: Error;

  constructor(private readonly path: string) {}

  private open(): WriteStream {
    if (this.stream) return this.stream;
    if (this.failure && Date.now() - this.failedAt < REOPEN_MS) throw this.failure;
    const stream = createWriteStream(this.path, { flags: 'a' });
    stream.on('error', (err) => {
      this.failure = err;
      this.failedAt = Date.now();
      if (this.stream === stream) this.stream = undefined;
      stream.destroy();
    });
    this.stream = stream;
    return stream;
  }

  write(event: AuditEvent): Promise<void> {
    const stream = this.open();
    return new Promise((resolve, reject) => {
      stream.write(`${JSON.stringify(event)}\n`, (err) => (err ? reject(err) : resolve()));
    });
  }

  async close(): Promise<void> {
    const stream = this.stream;
    this.stream = undefined;
    if (stream && !stream.destroyed) await new Promise<void>((resolve) => stream.end(() => resolve()));
  }
}

/** JSON lines on standard output. */
export class StdoutSink implements AuditSink {
  readonly name = 'stdout';

  write(event: AuditEvent): Promise<void> {
    return new Promise((resolve, reject) => {
      process.stdout.write(`${JSON.stringify(event)}\n`, (err) => (err ? reject(err) : resolve()));
    });
  }

  async close(): Promise<void> {}
}
