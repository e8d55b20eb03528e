import type { Tool } from '@modelcontextprotocol/server';
import { META_TOOL_NAME } from '../config/model.js';

/** The meta-tool's exposed name; exposed names of upstream tools carry a prefix, so it rarely collides. */
export { META_TOOL_NAME };

/** Default and largest number of matches returned. */
export const DEFAULT_LIMIT = 5;
export const MAX_LIMIT = 50;

/** The meta-tool's arguments, validated. */
export interface MetaToolInput {
  request?: string;
  limit: number;
  backend?: string;
  execute: boolean;
  arguments?: Record<string, unknown>;
  toolName?: string;
}

const hitSchema = {
  type: 'object',
  properties: {
    name: { type: 'string', description: 'Exposed name: call it with tools/call as it is.' },
    backend: { type: 'string' },
    description: { type: 'string' },
    score: { type: 'number', description: 'Relevance; higher is better, comparable within one answer only.' },
    inputSchema: { type: 'object' },
  },
  required: ['name', 'backend', 'description', 'score', 'inputSchema'],
};

/** The tools/list entry of the meta-tool. */
export const META_TOOL: Tool = {
  name: META_TOOL_NAME,
  title: 'Smart tool discovery',
  description:
    'Finds the tools that fit a plain-language request among every tool behind this gateway, best first, ' +
    'with their input schemas. Search first with { request }; then call a match by name (directly, or here ' +
    'with { tool_name, arguments }). { request, arguments, execute: true } runs the best match only when it ' +
    'is clearly ahead of the others and is annotated read-only or non-destructive, and returns the ' +
    'candidates otherwise.',
  inputSchema: {
    type: 'object',
    properties: {
      request: {
        type: 'string',
        description: 'What you want to do, in plain language (e.g. "create an issue on GitHub").',
      },
      limit: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_LIMIT,
        default: DEFAULT_LIMIT,
        description: 'How many matches to return.',
      },
      backend: { type: 'string', description: 'Only search the tools of this backend.' },
      execute: {
        type: 'boolean',
        description:
          'Run the best match with `arguments` if it is clearly the best and annotated read-only or non-destructive.',
      },
      arguments: { type: 'object', description: 'Arguments for the tool that runs.' },
      tool_name: {
        type: 'string',
        description: 'Run this tool (an exposed name from a previous answer) with `arguments`.',
      },
    },
  },
  outputSchema: {
    type: 'object',
    properties: {
      tools: { type: 'array', items: hitSchema },
      confident: {
        type: 'boolean',
        description: 'Whether the first match is clearly ahead of the next (or was picked by the model).',
      },
      executed: {
        type: 'object',
        description: 'The tool that ran and its result.',
        properties: {
          tool: { type: 'string' },
          backend: { type: 'string' },
          arguments: { type: 'object' },
          result: { type: 'object' },
        },
        required: ['tool', 'result'],
      },
      reranked: {
        type: 'object',
        description: "The client's model's pick among the candidates (rerank: sampling).",
        // anyOf rather than a type array, which clients mapping schemas onto a single-type dialect reject.
        properties: {
          tool: {
            anyOf: [{ type: 'string' }, { type: 'null' }],
            description: 'The tool it picked, or null when none fits.',
          },
          arguments: { type: 'object' },
        },
        required: ['tool'],
      },
      note: { type: 'string' },
    },
    required: ['tools', 'confident'],
  },
  annotations: { title: 'Smart tool discovery', openWorldHint: true },
};

const KNOWN = new Set(['request', 'limit', 'backend', 'execute', 'arguments', 'tool_name']);

/** Validates the meta-tool's arguments; returns a message for the model on a mistake. */
export function parseInput(args: Record<string, unknown> | undefined): MetaToolInput | string {
  const a = args ?? {};
  const unknown = Object.keys(a).filter((k) => !KNOWN.has(k));
  if (unknown.length) return `unknown argument(s): ${unknown.join(', ')}; expected ${[...KNOWN].join(', ')}`;
  const str = (key: string): string | undefined | null =>
    a[key] === undefined ? undefined : typeof a[key] === 'string' ? a[key] : null;
  const request = str('request');
  const backend = str('backend');
  const toolName = str('tool_name');
  if (request === null || backend === null || toolName === null)
    return 'request, backend and tool_name must be strings';
  if (!request?.trim() && !toolName) return 'give `request` (what to do, in plain language) or `tool_name`';
  const limit = a.limit ?? DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT)
    return `limit must be an integer from 1 to ${MAX_LIMIT}`;
  if (a.execute !== undefined && typeof a.execute !== 'boolean') return 'execute must be a boolean';
  const callArgs = a.arguments;
  if (
    callArgs !== undefined &&
    (callArgs === null || typeof callArgs !== 'object' || Array.isArray(callArgs))
  )
    return 'arguments must be an object';
  const input: MetaToolInput = { limit, execute: a.execute === true };
  if (request) input.request = request;
  if (backend) input.backend = backend;
  if (toolName) input.toolName = toolName;
  if (callArgs) input.arguments = callArgs as Record<string, unknown>;
  return input;
}
