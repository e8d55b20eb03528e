/** One problem found in a config file, located at a line and column. */
export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  /** Dotted key path, e.g. `mcpServers.fs.command`; empty for the document. */
  path: string;
  message: string;
}

/** Formats a problem as `file:line:col: path: message`. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.path ? `${p.path}: ` : ''}${p.message}`;
}

/** A config file that cannot be used; carries every problem found, not just the first. */
export class ConfigError extends Error {
  readonly code = 'config_invalid';
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}
