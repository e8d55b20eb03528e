import type { AuditEvent, AuditKind, Outcome } from './event.js';
import { AUDIT_KINDS, OUTCOMES, principalKey } from './event.js';

/** What GET /v1/audit filters by; every field given must match. */
export interface AuditFilter {
  /** `<kind>:<id>` (e.g. `api_key:ci`), or an id alone matching any kind. */
  principal?: string;
  /** An exposed tool name (matches tools/call and policy refusals of that tool). */
  tool?: string;
  backend?: string;
  outcome?: Outcome;
  kind?: AuditKind;
  /** Epoch milliseconds, inclusive. */
  from?: number;
  /** Epoch milliseconds, inclusive. */
  to?: number;
}

/** One page of events, newest first; `next` is the cursor of the following (older) page, if there may be one. */
export interface AuditPage {
  events: AuditEvent[];
  next?: string;
}

/** A stored event id (`<ms>-<seq>`) as a pair that sorts like the id. */
export function parseId(id: string): [number, number] | undefined {
  const m = /^(\d+)-(\d+)$/.exec(id);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

/** Whether id `a` is older than id `b`. */
export function olderThan(a: string, b: string): boolean {
  const x = parseId(a);
  const y = parseId(b);
  if (!x || !y) return false;
  return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
}

/** Whether an event passes a filter. */
export function matches(e: AuditEvent, f: AuditFilter): boolean {
  if (f.principal !== undefined) {
    const key = principalKey(e.principal);
    const id = e.principal.kind === 'anonymous' ? 'anonymous' : e.principal.id;
    if (f.principal !== key && f.principal !== id) return false;
  }
  if (f.tool !== undefined && (e.method !== 'tools/call' || e.target !== f.tool)) return false;
  if (f.backend !== undefined && e.backend !== f.backend) return false;
  if (f.outcome !== undefined && e.outcome !== f.outcome) return false;
  if (f.kind !== undefined && e.kind !== f.kind) return false;
  const t = Date.parse(e.time);
  if (f.from !== undefined && t < f.from) return false;
  if (f.to !== undefined && t > f.to) return false;
  return true;
}

/** A page of events from a newest-first sequence: those older than `cursor` that match, at most `limit`. */
export function page(
  newestFirst: Iterable<AuditEvent>,
  filter: AuditFilter,
  limit: number,
  cursor?: string,
): AuditPage {
  const events: AuditEvent[] = [];
  let more = false;
  for (const e of newestFirst) {
    if (cursor !== undefined && !olderThan(e.id, cursor)) continue;
    if (!matches(e, filter)) continue;
    if (events.length === limit) {
      more = true;
      break;
    }
    events.push(e);
  }
  return more ? { events, next: events[events.length - 1]!.id } : { events };
}

const OUTCOME_SET = new Set<string>(OUTCOMES);
const KIND_SET = new Set<string>(AUDIT_KINDS);

/** A time given as ISO 8601 or epoch milliseconds; throws naming the parameter otherwise. */
function time(name: string, value: string): number {
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(t))
    throw new RangeError(`${name} must be an ISO 8601 time or epoch milliseconds, not "${value}"`);
  return t;
}

/** The query of GET /v1/audit, checked; throws RangeError naming the bad parameter. */
export function parseQuery(q: Record<string, unknown>): {
  filter: AuditFilter;
  limit: number;
  cursor?: string;
} {
  const str = (name: string): string | undefined => {
    const v = q[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') throw new RangeError(`${name} must be given once, not empty`);
    return v;
  };
  const filter: AuditFilter = {};
  const principal = str('principal');
  if (principal) filter.principal = principal;
  const tool = str('tool');
  if (tool) filter.tool = tool;
  const backend = str('backend');
  if (backend) filter.backend = backend;
  const outcome = str('outcome');
  if (outcome !== undefined) {
    if (!OUTCOME_SET.has(outcome)) throw new RangeError(`outcome must be one of ${OUTCOMES.join(', ')}`);
    filter.outcome = outcome as Outcome;
  }
  const kind = str('kind');
  if (kind !== undefined) {
    if (!KIND_SET.has(kind)) throw new RangeError(`kind must be one of ${AUDIT_KINDS.join(', ')}`);
    filter.kind = kind as AuditKind;
  }
  const from = str('from');
  if (from !== undefined) filter.from = time('from', from);
  const to = str('to');
  if (to !== undefined) filter.to = time('to', to);
  const rawLimit = str('limit');
  const limit = rawLimit === undefined ? 100 : Number(rawLimit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new RangeError('limit must be an integer from 1 to 1000');
  const cursor = str('cursor');
  if (cursor !== undefined && !parseId(cursor))
    throw new RangeError('cursor must be a "next" value of an earlier page');
  return { filter, limit, ...(cursor ? { cursor } : {}) };
}
