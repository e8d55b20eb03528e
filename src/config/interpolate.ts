/** Result of expanding `${VAR}` references in one string. */
export interface Interpolated {
  value: string;
  /** Variables referenced without a default and not set in the environment. */
  missing: string[];
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g;

/**
 * Expands `${VAR}` and `${VAR:-default}` (`${VAR-default}` too) from env; `$${` stands for a literal `${`.
 * `:-` also applies the default when the variable is set but empty, as in POSIX shells.
 */
export function interpolate(input: string, env: NodeJS.ProcessEnv): Interpolated {
  const missing: string[] = [];
  if (!input.includes('${')) return { value: input, missing };
  const value = input.replace(REFERENCE, (match, name: string | undefined, fallback: string | undefined) => {
    if (match === '$${') return '${';
    const set = env[name!];
    const colon = match.includes(':-');
    if (set !== undefined && !(colon && set === '')) return set;
    if (fallback !== undefined) return fallback;
    missing.push(name!);
    return '';
  });
  return { value, missing };
}

/** Parses a duration (number of milliseconds, or "500ms", "30s", "2m", "1h") into milliseconds. */
export function parseDuration(value: number | string): number {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(value);
  if (!match) throw new Error(`invalid duration "${value}"`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[match[2] ?? 'ms']!;
  return Math.round(Number(match[1]) * unit);
}
