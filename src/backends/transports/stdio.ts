import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import { kindOf } from '../../jsonrpc-kind.js';
import { adoptGroup, GROUPS } from '../supervision/process-group.js';
import { exitStatus } from './stderr-tail.js';

/** How to start a stdio upstream. */
export interface StdioParams {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd?: string;
}

/** A line longer than this (10 MiB, the SDK's limit) is refused and the connection closed. */
const MAX_BUFFER = 10 * 1024 * 1024;

/** How long close waits after ending stdin, and again after SIGTERM, before the next step. */
const CLOSE_STEP_MS = 2000;

/**
 * An SDK client `Transport` to a child process over stdio (newline-delimited JSON-RPC), like the SDK's
 * `StdioClientTransport` with two differences that matter under load: messages sent in the same event-loop
 * turn leave in one write to the child's stdin (one system call and one wake-up of the child instead of
 * one each), and incoming lines are checked by their JSON-RPC envelope instead of a zod parse each (the
 * client validates each result against its method's schema anyway). Used for upstreams whose protocol era
 * is pinned; `auto` needs the SDK's own class (its era probe runs on a disposable sibling process).
 */
export class StdioUpstreamTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;
  /** The child's stderr, available before start so no early line is lost. */
  readonly stderr = new PassThrough();
  private child?: ChildProcess;
  private queue: string[] = [];
  private flushing = false;
  /** Resolved while stdin accepts writes; pending while it waits for 'drain'. */
  private writable: Promise<void> = Promise.resolve();
  private pending?: Buffer;
  /** How the child ended (`exit code 1`, `signal SIGKILL`), once it has. */
  exitStatus?: string;

  constructor(private readonly params: StdioParams) {}

  /** The child's process group (its pid at start), also once it has exited; null without process groups. */
  group: number | null = null;

  /** The child process id, once started. */
  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  start(): Promise<void> {
    if (this.child) throw new Error('StdioUpstreamTransport already started');
    return new Promise((resolve, reject) => {
      const child = spawn(this.params.command, this.params.args, {
        env: this.params.env,
        cwd: this.params.cwd,
        stdio: ['pipe', 'pipe', 'pipe'],
        shell: false,
        // A process group of its own: signals sent to the gateway's group (a terminal's) never reach it.
        detached: GROUPS,
      });
      this.child = child;
      child.on('error', (error) => {
        reject(error);
        this.onerror?.(error);
      });
      child.on('spawn', () => {
        if (GROUPS) this.group = child.pid ?? null;
        adoptGroup(this.group);
        resolve();
      });
      child.on('close', (code, signal) => {
        this.exitStatus = exitStatus(code, signal);
        this.child = undefined;
        this.onclose?.();
      });
      child.stdin!.on('error', (error) => this.onerror?.(error));
      child.stdout!.on('error', (error) => this.onerror?.(error));
      child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
      child.stderr!.pipe(this.stderr);
    });
  }

  private read(chunk: Buffer): void {
    const buffer = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    if (buffer.length > MAX_BUFFER && buffer.indexOf(10) === -1) {
      this.pending = undefined;
      this.onerror?.(new Error(`stdio upstream line exceeds ${MAX_BUFFER} bytes`));
      void this.close();
      return;
    }
    let start = 0;
    for (let end = buffer.indexOf(10); end !== -1; end = buffer.indexOf(10, start)) {
      const line = buffer.toString('utf8', start, end > start && buffer[end - 1] === 13 ? end - 1 : end);
      start = end + 1;
      this.line(line);
    }
    this.pending = start < buffer.length ? buffer.subarray(start) : undefined;
  }

  private line(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      return; // Not JSON (a stray log line on stdout): skipped, as the SDK does.
    }
    if (kindOf(message) === undefined) {
      this.onerror?.(new Error(`invalid JSON-RPC message from stdio upstream: ${line.slice(0, 200)}`));
      return;
    }
    this.onmessage?.(message as JSONRPCMessage);
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (!this.child?.stdin) return Promise.reject(new Error('Not connected'));
    this.queue.push(`${JSON.stringify(message)}\n`);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flush());
    }
    return this.writable;
  }

  private flush(): void {
    this.flushing = false;
    const stdin = this.child?.stdin;
    const text = this.queue.length === 1 ? this.queue[0]! : this.queue.join('');
    this.queue = [];
    if (!stdin || stdin.destroyed) return;
    if (!stdin.write(text)) {
      this.writable = new Promise((resolve) => stdin.once('drain', resolve));
    }
  }

  /** Ends stdin, then escalates to SIGTERM and SIGKILL if the child does not exit (as the SDK transport does). */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = undefined;
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    const step = () => new Promise<void>((resolve) => setTimeout(resolve, CLOSE_STEP_MS).unref());
    try {
      child.stdin?.end();
    } catch {
      // Already closed.
    }
    await Promise.race([closed, step()]);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([closed, step()]);
    }
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
