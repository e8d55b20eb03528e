import { GatewayError } from '../errors.js';
import type { AuditKind, Outcome } from './event.js';

/** How a request ended, as the audit trail records it. */
export interface Ending {
  kind?: AuditKind;
  outcome: Outcome;
  error?: string;
}

/** A gateway error code carried by a thrown error: its own, or the JSON-RPC error's `data.code`. */
function codeOf(err: unknown): string {
  if (err instanceof GatewayError) return err.code;
  const e = err as { code?: unknown; data?: { code?: unknown } } | undefined;
  if (typeof e?.data?.code === 'string') return e.data.code;
  return typeof e?.code === 'number' || typeof e?.code === 'string' ? String(e.code) : 'error';
}

/** The ending of a request that answered: a tool result may report a gateway failure or a tool error. */
export function endingOfResult(result: unknown): Ending {
  const r = result as { isError?: unknown; _meta?: Record<string, unknown> } | undefined;
  if (r?.isError !== true) return { outcome: 'ok' };
  const own = r._meta?.['switchboard/error'] as { code?: unknown } | undefined;
  if (typeof own?.code === 'string') return endingOfCode(own.code);
  return { outcome: 'tool_error' };
}

/** The ending of a request that threw. */
export function endingOfError(err: unknown): Ending {
  return endingOfCode(codeOf(err));
}

function endingOfCode(code: string): Ending {
  if (code === 'not_permitted') return { kind: 'policy/refused', outcome: 'refused', error: code };
  return { outcome: 'error', error: code };
}
