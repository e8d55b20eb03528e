import type { Tool } from '@modelcontextprotocol/server';
import type { AuthSettings } from '../../config/model.js';
import { AUDIT_EVENT_SCHEMA, AUDIT_PATHS } from '../../audit/openapi.js';
import { VERSION } from '../../version.js';
import { START_CONNECTION_OPERATION } from './connections-start.js';
import { MY_CONNECTIONS_PATHS } from './my-connections.js';

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/responses/${name}` });
const schemaRef = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Json) => ({ 'application/json': { schema } });

/** The problem responses every endpoint may give, by status. */
const PROBLEMS = {
  '401': ref('Problem'),
  '403': ref('Problem'),
  '429': ref('Problem'),
  '503': ref('Problem'),
};
const CALL_PROBLEMS = {
  ...PROBLEMS,
  '400': ref('Problem'),
  '404': ref('Problem'),
  '502': ref('Problem'),
  '504': ref('Problem'),
};

const SCHEMAS: Json = {
  Problem: {
    type: 'object',
    description: 'RFC 9457 problem details; `code` is the gateway error code.',
    properties: {
      type: { type: 'string' },
      title: { type: 'string' },
      status: { type: 'integer' },
      detail: { type: 'string' },
      code: { type: 'string' },
      backend: { type: 'string' },
      errors: { type: 'array', items: { type: 'object' } },
    },
    required: ['type', 'title', 'status', 'detail'],
  },
  Tool: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      title: { type: 'string' },
      description: { type: 'string' },
      backend: { type: 'string' },
      inputSchema: { type: 'object' },
      outputSchema: { type: 'object' },
      annotations: { type: 'object' },
    },
    required: ['name', 'backend', 'inputSchema'],
  },
  CallToolResult: callResult(),
  Arguments: { type: 'object', additionalProperties: true },
  AuditEvent: AUDIT_EVENT_SCHEMA,
};

function callResult(structured: Json = { type: 'object' }): Json {
  return {
    type: 'object',
    description: 'The tool result as the upstream returned it (MCP CallToolResult).',
    properties: {
      content: { type: 'array', items: { type: 'object' } },
      structuredContent: structured,
      isError: { type: 'boolean' },
    },
    required: ['content'],
  };
}

/** A tool call's answers: JSON, or progress events then the result as `text/event-stream`. */
function callResponses(result: Json): Json {
  return {
    '200': {
      description: 'The tool result (isError: true when the tool itself reports a failure).',
      content: {
        ...json(result),
        'text/event-stream': {
          schema: {
            type: 'string',
            description:
              'With `Accept: text/event-stream`: `progress` events ({progress, total?, message?}), then one `result` (the tool result) or `error` (a problem).',
          },
        },
      },
    },
    ...CALL_PROBLEMS,
  };
}

/** The fixed endpoints, besides one path per tool. */
function fixedPaths(): Json {
  const nameParam = { name: 'name', in: 'path', required: true, schema: { type: 'string' } };
  return {
    '/v1/tools': {
      get: {
        operationId: 'listTools',
        summary: 'The tools this caller may use',
        responses: {
          '200': {
            description: 'Tools',
            content: json({
              type: 'object',
              properties: { tools: { type: 'array', items: schemaRef('Tool') } },
            }),
          },
          ...PROBLEMS,
        },
      },
    },
    '/v1/tools/{name}': {
      get: {
        operationId: 'getTool',
        parameters: [nameParam],
        responses: { '200': { description: 'The tool', content: json(schemaRef('Tool')) }, ...CALL_PROBLEMS },
      },
    },
    '/v1/tools/{name}/call': {
      post: {
        operationId: 'callTool',
        summary: 'Calls any tool by name (the per-tool paths document each input schema)',
        parameters: [nameParam],
        requestBody: { content: json(schemaRef('Arguments')) },
        responses: callResponses(schemaRef('CallToolResult')),
      },
    },
    '/v1/discover': {
      post: {
        operationId: 'discover',
        summary: 'Ranks the tools this caller may use for a plain-language request',
        requestBody: {
          required: true,
          content: json({
            type: 'object',
            properties: {
              query: { type: 'string' },
              limit: { type: 'integer', minimum: 1, maximum: 50 },
              backend: { type: 'string' },
            },
            required: ['query'],
          }),
        },
        responses: {
          '200': {
            description: 'Matches, best first',
            content: json({
              type: 'object',
              properties: { results: { type: 'array', items: { type: 'object' } } },
            }),
          },
          ...CALL_PROBLEMS,
        },
      },
    },
    '/v1/resources': {
      get: {
        operationId: 'listResources',
        responses: {
          '200': { description: 'Resources and resource templates', content: json({ type: 'object' }) },
          ...PROBLEMS,
        },
      },
    },
    '/v1/resources/read': {
      get: {
        operationId: 'readResource',
        parameters: [{ name: 'uri', in: 'query', required: true, schema: { type: 'string' } }],
        responses: {
          '200': { description: 'The resource contents', content: json({ type: 'object' }) },
          ...CALL_PROBLEMS,
        },
      },
    },
    '/v1/prompts': {
      get: {
        operationId: 'listPrompts',
        responses: { '200': { description: 'Prompts', content: json({ type: 'object' }) }, ...PROBLEMS },
      },
    },
    '/v1/prompts/{name}': {
      post: {
        operationId: 'getPrompt',
        parameters: [nameParam],
        requestBody: { content: json({ type: 'object', additionalProperties: { type: 'string' } }) },
        responses: {
          '200': { description: 'The prompt messages', content: json({ type: 'object' }) },
          ...CALL_PROBLEMS,
        },
      },
    },
  };
}

/** The security schemes of the configured client authentication, and the requirement (alternatives). */
function security(auth: AuthSettings): { schemes: Json; requirement?: Json[] } {
  const schemes: Json = {};
  if (auth.apiKeys.length) {
    schemes.apiKey = { type: 'apiKey', in: 'header', name: 'X-API-Key' };
    schemes.bearer = { type: 'http', scheme: 'bearer', description: 'An API key or a JWT' };
  }
  if (auth.jwt || auth.signIn) schemes.bearer = { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' };
  const signIn = auth.signIn;
  if (signIn)
    schemes.signIn = {
      type: 'oauth2',
      description: 'Sign in with the team identity provider (authorization code with PKCE S256)',
      flows: {
        authorizationCode: {
          authorizationUrl: `${signIn.issuer}/oauth/authorize`,
          tokenUrl: `${signIn.issuer}/oauth/token`,
          refreshUrl: `${signIn.issuer}/oauth/token`,
          scopes: Object.fromEntries(signIn.scopes.map((s) => [s, `the ${s} scope of this gateway`])),
        },
      },
    };
  const names = Object.keys(schemes);
  if (!names.length) return { schemes };
  const requirement: Json[] = names.map((n) => ({ [n]: [] }));
  if (auth.allowUnauthenticated) requirement.push({});
  return { schemes, requirement };
}

/**
 * The OpenAPI 3.1 document of the REST API for one caller: the fixed endpoints plus one path per tool it may
 * use, whose request body is the tool's input schema.
 */
export function openApiDocument(tools: (Tool & { backend: string })[], auth: AuthSettings): Json {
  const paths: Json = { ...fixedPaths(), ...AUDIT_PATHS, ...MY_CONNECTIONS_PATHS };
  const mine = '/v1/me/connections/{backend}';
  paths[mine] = { ...(paths[mine] as Json), post: START_CONNECTION_OPERATION };
  for (const tool of tools) {
    const body = { required: true, content: json(tool.inputSchema as Json) };
    paths[`/v1/tools/${encodeURIComponent(tool.name)}/call`] = {
      post: {
        operationId: `call_${tool.name}`,
        summary: tool.title ?? tool.annotations?.title ?? tool.name,
        ...(tool.description && { description: tool.description }),
        tags: [tool.backend],
        requestBody: body,
        responses: callResponses(
          tool.outputSchema ? callResult(tool.outputSchema as Json) : schemaRef('CallToolResult'),
        ),
      },
    };
  }
  const { schemes, requirement } = security(auth);
  return {
    openapi: '3.1.0',
    info: {
      title: 'switchboard REST API',
      version: VERSION,
      description: 'The tools, resources and prompts of the MCP servers behind this gateway, as plain HTTP.',
    },
    paths,
    components: {
      schemas: SCHEMAS,
      responses: {
        Problem: {
          description: 'An error as RFC 9457 problem details',
          content: { 'application/problem+json': { schema: schemaRef('Problem') } },
        },
      },
      ...(Object.keys(schemes).length && { securitySchemes: schemes }),
    },
    ...(requirement && { security: requirement }),
  };
}
