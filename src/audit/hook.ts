import type { AuthInfo } from '@modelcontextprotocol/server';
import type { Context } from '@opentelemetry/api';

/** What the request handlers tell the audit trail about one tools/call, resources/read or prompts/get. */
export interface RequestFacts {
  method: 'tools/call' | 'resources/read' | 'prompts/get';
  /** The exposed tool or prompt name, or the resource URI. */
  target: string;
  /** The backend it goes to by the session's own routes (a tool set's renamed tool resolves there); undefined for a name no backend serves. */
  backend: string | undefined;
  /** The session's server (its front was tagged when it was made). */
  server: object;
  auth?: AuthInfo;
  session?: string;
  /** Set for a 2026-07-28 request (no session). */
  perRequest: boolean;
  /** The call's or prompt's arguments, recorded only with the backend's audit_payloads. */
  arguments?: unknown;
  trace?: Context;
}

/** The hook the request handlers run each audited request through (the gateway's AuditRecorder). */
export interface RequestAudit {
  around<T>(facts: RequestFacts, body: () => Promise<T>): Promise<T>;
}
