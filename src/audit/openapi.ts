/** GET /v1/audit and the audit event in the OpenAPI document of the REST API (frontends/rest/openapi.ts). */
import { AUDIT_KINDS, OUTCOMES } from './event.js';

const problem = { $ref: '#/components/responses/Problem' };
const query = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema,
});
const KINDS = [...AUDIT_KINDS];
const OUTCOMES_ENUM = [...OUTCOMES];
const payload = {
  type: 'object',
  properties: { value: {}, truncated: { const: true } },
  required: ['value'],
};

/** The audit event's JSON schema (version 1; docs/audit.md describes each field). */
export const AUDIT_EVENT_SCHEMA = {
  type: 'object',
  description: 'One audit event (schema version `v`), as GET /v1/audit and the JSON-lines sinks give it.',
  properties: {
    v: { const: 1 },
    id: {
      type: 'string',
      description: 'Cursor order: `<ms>-<seq>` (the Redis stream id with a Redis sink).',
    },
    time: { type: 'string', format: 'date-time' },
    kind: { enum: KINDS },
    principal: {
      type: 'object',
      properties: {
        kind: { enum: ['api_key', 'jwt', 'user', 'anonymous'] },
        id: { type: 'string' },
        issuer: { type: 'string' },
      },
      required: ['kind'],
    },
    replica: { type: 'string' },
    front: { enum: ['http', 'ws', 'sse', 'stdio', 'rest'] },
    era: { enum: ['2025', '2026-07-28'] },
    session: { type: 'string' },
    method: { type: 'string' },
    target: { type: 'string' },
    backend: { type: 'string' },
    outcome: { enum: OUTCOMES_ENUM },
    error: { type: 'string' },
    duration_ms: { type: 'number' },
    trace_id: { type: 'string' },
    arguments: payload,
    result: payload,
  },
  required: ['v', 'id', 'time', 'kind', 'principal', 'replica', 'outcome'],
};

/** The path of GET /v1/audit. */
export const AUDIT_PATHS = {
  '/v1/audit': {
    get: {
      operationId: 'listAuditEvents',
      summary: 'Audit events, newest first (operators only)',
      parameters: [
        query('principal', '`<kind>:<id>` (e.g. `api_key:ci`), or an id alone'),
        query('tool', 'An exposed tool name'),
        query('backend', 'A backend name'),
        query('outcome', 'How the request ended', { enum: OUTCOMES_ENUM }),
        query('kind', 'The event kind', { enum: KINDS }),
        query('from', 'Earliest time (ISO 8601 or epoch milliseconds)'),
        query('to', 'Latest time (ISO 8601 or epoch milliseconds)'),
        query('limit', 'Events per page (default 100)', { type: 'integer', minimum: 1, maximum: 1000 }),
        query('cursor', 'The `next` of the previous page'),
      ],
      responses: {
        '200': {
          description: 'A page of events',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                properties: {
                  events: { type: 'array', items: { $ref: '#/components/schemas/AuditEvent' } },
                  next: {
                    type: 'string',
                    description: 'Cursor of the next (older) page; absent on the last.',
                  },
                  source: { enum: ['redis', 'local'] },
                },
                required: ['events', 'source'],
              },
            },
          },
        },
        '400': problem,
        '401': problem,
        '403': problem,
        '503': problem,
      },
    },
  },
};
