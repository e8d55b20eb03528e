/** The last lines a stdio child wrote to stderr, kept so that a child dying at start-up can say why. */

/** Lines kept (the tail of the child's stderr). */
const KEEP = 30;
/** Longest line kept, and longest cause reported. */
const LINE_MAX = 300;
const CAUSE_MAX = 600;

/** Stack frames (`    at f (file:1:2)`) and the decoration around a Node crash say nothing about the cause. */
const NOISE = /^\s*(at\s|\^+\s*$|[{}]\s*$|Node\.js v\d|Require stack:|- \/|[a-zA-Z]+: .*,$|throw\s)/;
/** Lines that look like the error itself, in any language's usual wording. */
const ERROR =
  /(error|exception)\b|\b(fatal|cannot|can't|could not|couldn't|not found|no such|failed|denied|invalid|missing|traceback|panic)\b/i;

/** A rolling tail of a child's stderr lines (already masked for secrets by the caller). */
export class StderrTail {
  private readonly lines: string[] = [];

  /** Records one line. */
  push(line: string): void {
    const trimmed = line.trimEnd();
    if (!trimmed.trim()) return;
    this.lines.push(trimmed.length > LINE_MAX ? `${trimmed.slice(0, LINE_MAX)}…` : trimmed);
    if (this.lines.length > KEEP) this.lines.shift();
  }

  /**
   * The cause as one line: the lines that read like an error (the first few), or else the last lines, joined
   * with " | "; undefined when the child wrote nothing.
   */
  cause(): string | undefined {
    const meaningful = this.lines.filter((l) => !NOISE.test(l));
    if (meaningful.length === 0) return undefined;
    const errors = meaningful.filter((l) => ERROR.test(l));
    const chosen = errors.length > 0 ? errors.slice(0, 3) : meaningful.slice(-3);
    const text = chosen.map((l) => l.trim()).join(' | ');
    return text.length > CAUSE_MAX ? `${text.slice(0, CAUSE_MAX)}…` : text;
  }
}

/** How a child process ended, e.g. `exit code 1` or `signal SIGKILL`; undefined when not known. */
export function exitStatus(
  code: number | null | undefined,
  signal: string | null | undefined,
): string | undefined {
  if (signal) return `signal ${signal}`;
  if (code !== null && code !== undefined) return `exit code ${code}`;
  return undefined;
}

/**
 * Why a stdio backend's connection closed: the child exited (and how); during start-up, also the cause it
 * gave on stderr, since a child that never came up has nothing else to show for it.
 */
export function childExitReason(
  child: { stderr?: StderrTail; exit?(): string | undefined } | undefined,
  duringStartup: boolean,
): string {
  const how = child?.exit?.();
  const exited = `child process exited${how ? ` (${how})` : ''}`;
  if (!duringStartup) return exited;
  const cause = child?.stderr?.cause();
  return `${exited} during start-up${cause ? `: ${cause}` : ' (it wrote nothing to stderr)'}`;
}
