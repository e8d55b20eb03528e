import { ownerLost, QueueError, redisUnavailable, type QueueErrorCode } from '../errors.js';
import type { QueuedRequest } from '../types.js';

/** The data of one BullMQ job: the request plus what the owner needs to decide whether it may still run. */
export interface JobPayload {
  req: QueuedRequest;
  /** Redis-clock ms after which the caller has given up (0 = no whole-call timeout). */
  deadline: number;
  /** Redis-clock ms at admission, for wait-time stats. */
  admittedAt: number;
}

/** An error as it crosses Redis: enough to rebuild a QueueError or an upstream (JSON-RPC) error on the caller. */
export interface WireError {
  name: string;
  message: string;
  code?: string | number;
  data?: unknown;
}

/** What the owner's processor returns as the job's result; executor errors travel here, not as job failures. */
export type Outcome =
  | { ok: true; value: unknown; startedAt: number; runMs: number }
  | { ok: false; error: WireError; startedAt?: number; runMs?: number };

/** Converts anything thrown by an executor into a WireError (code and data kept for JSON-RPC errors). */
export function toWire(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const { code, data } = err as Error & { code?: unknown; data?: unknown };
  const wire: WireError = { name: err.name, message: err.message };
  if (typeof code === 'string' || typeof code === 'number') wire.code = code;
  if (data !== undefined) wire.data = data;
  return wire;
}

/** Rebuilds the error a caller sees from a WireError. */
export function fromWire(w: WireError, backend: string): Error {
  if (w.name === 'QueueError' && typeof w.code === 'string') {
    return new QueueError(w.code as QueueErrorCode, backend, w.message);
  }
  const err = new Error(w.message) as Error & { code?: string | number; data?: unknown };
  err.name = w.name;
  if (w.code !== undefined) err.code = w.code;
  if (w.data !== undefined) err.data = w.data;
  return err;
}

/** The failure reason the owner gives a job it could not start because Redis did not answer its start gate. */
export const GATE_UNREACHABLE = 'start gate: Redis unreachable';

/** Maps a BullMQ job failure (not an executor error: those are Outcomes) to the caller's error. */
export function fromFailedReason(reason: string, backend: string, where: string): Error {
  if (reason.startsWith(GATE_UNREACHABLE)) return redisUnavailable(backend, where);
  // BullMQ's own wording when a job's worker died (lock expired) and maxStalledCount / maxStartedAttempts is hit.
  if (/stalled more than allowable limit|started more than allowable limit/.test(reason)) {
    return ownerLost(backend, 'the owner replica stopped while running it');
  }
  return new Error(`backend "${backend}": queued call failed: ${reason}`);
}
