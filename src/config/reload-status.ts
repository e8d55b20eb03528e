import { ConfigError, formatProblem } from './errors.js';

/** The outcome of the last config reload, as shown in /readyz. */
export interface ReloadStatus {
  last: 'ok' | 'failed';
  /** ISO time of the last reload. */
  at: string;
  error?: string;
  /** One `file:line:col: message` per problem when the new file was invalid. */
  problems?: string[];
  /** Reloads attempted since start. */
  count: number;
}

/** Counts reloads and remembers the last outcome, for /readyz. */
export class ReloadTracker {
  private ok = 0;
  private failed = 0;
  private last?: ReloadStatus;

  /** Records a reload that applied. */
  succeeded(): ReloadStatus {
    this.ok++;
    this.last = { last: 'ok', at: new Date().toISOString(), count: this.ok + this.failed };
    return this.last;
  }

  /** Records a reload that was refused, with the problems of an invalid file. */
  failedWith(err: unknown): ReloadStatus {
    this.failed++;
    const problems = err instanceof ConfigError ? err.problems.map(formatProblem) : undefined;
    const error =
      err instanceof ConfigError
        ? `${err.problems.length} problem(s) in the config; the running configuration was kept`
        : err instanceof Error
          ? err.message
          : String(err);
    this.last = {
      last: 'failed',
      at: new Date().toISOString(),
      error,
      ...(problems ? { problems } : {}),
      count: this.ok + this.failed,
    };
    return this.last;
  }

  /** The last outcome, or undefined before the first reload. */
  status(): ReloadStatus | undefined {
    return this.last;
  }
}
