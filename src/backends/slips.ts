import type { JSONRPCMessage, Transport } from '@modelcontextprotocol/client';
import type { Logger } from 'pino';
import type { Recorder } from '../telemetry/recorder.js';

/** Recoverable ways an upstream departs from the protocol, which the gateway normalises instead of failing. */
export type SlipKind = 'missing_result_type' | 'json_stream';

const WHAT: Record<SlipKind, string> = {
  missing_result_type:
    'the upstream answers 2026-07-28 requests without the required resultType; treated as "complete"',
  json_stream:
    'the upstream streams several JSON-RPC messages in one application/json body (not SSE); read one by one',
};

/**
 * One backend's upstream slips: each is counted (switchboard_upstream_slips_total) and logged once per kind,
 * so an upstream that always slips costs one log line, and what the client gets stays spec-exact.
 */
export class UpstreamSlips {
  private readonly logged = new Set<SlipKind>();

  constructor(
    private readonly backend: string,
    private readonly log: Logger,
    private readonly metrics: () => Recorder,
  ) {}

  /** Records one occurrence. */
  report(kind: SlipKind, detail?: Record<string, unknown>): void {
    this.metrics().upstreamSlip(this.backend, kind);
    if (this.logged.has(kind)) return;
    this.logged.add(kind);
    this.log.warn({ slip: kind, ...detail }, `upstream slip: ${WHAT[kind]} (logged once)`);
  }
}

function isResultResponse(m: JSONRPCMessage): m is JSONRPCMessage & { result: Record<string, unknown> } {
  const r = (m as { result?: unknown }).result;
  return 'id' in m && !('method' in m) && typeof r === 'object' && r !== null && !Array.isArray(r);
}

/**
 * On a 2026-07-28 connection every result must carry `resultType`; an upstream that omits it means a complete
 * result (the only kind an older server could send), so the answer is completed here rather than failed by
 * the client. Wraps the transport's delivery; call after connect. `modern` is read per message.
 */
export function completeResultTypes(transport: Transport, modern: () => boolean, slips: UpstreamSlips): void {
  const deliver = transport.onmessage;
  if (!deliver) return;
  transport.onmessage = (message, extra) => {
    if (modern() && isResultResponse(message) && message.result.resultType === undefined) {
      slips.report('missing_result_type');
      deliver({ ...message, result: { ...message.result, resultType: 'complete' } }, extra);
      return;
    }
    deliver(message, extra);
  };
}
