import { RANKING } from './ranking.js';
import type { IndexedTool } from './types.js';

/** The searchable text of one tool, one string per MiniSearch field. */
export interface ToolDocument {
  id: string;
  name: string;
  title: string;
  description: string;
  details: string;
  params: string;
  backend: string;
}

/** Fields of a ToolDocument that MiniSearch indexes. */
export const FIELDS = ['name', 'title', 'description', 'details', 'params', 'backend'] as const;

/** The index id of a tool: unique across backends. */
export function documentId(backend: string, name: string): string {
  return `${backend}\u0000${name}`;
}

/** Builds the searchable document of a tool. */
export function toDocument(tool: IndexedTool): ToolDocument {
  const words = (tool.description ?? '').split(/\s+/).filter(Boolean);
  return {
    id: documentId(tool.backend, tool.name),
    name: tool.name,
    title: [tool.title ?? '', ...(tool.hints ?? [])].join(' ').trim(),
    description: words.slice(0, RANKING.summaryWords).join(' '),
    details: words.slice(RANKING.summaryWords).join(' '),
    params: describeParams(tool.inputSchema),
    backend: tool.backend,
  };
}

/** A cheap identity of everything the document is built from, to skip re-indexing unchanged tools. */
export function fingerprint(tool: IndexedTool): string {
  return JSON.stringify([tool.title, tool.description, tool.inputSchema, tool.hints]);
}

/** Parameter names, descriptions and string enum values, down to one level of nesting. */
function describeParams(schema: Record<string, unknown> | undefined, depth = 0): string {
  const properties = asRecord(schema?.properties);
  if (!properties) return '';
  const parts: string[] = [];
  for (const [key, value] of Object.entries(properties)) {
    const prop = asRecord(value);
    parts.push(key);
    if (!prop) continue;
    if (typeof prop.description === 'string') parts.push(prop.description);
    if (Array.isArray(prop.enum)) parts.push(...prop.enum.filter((v): v is string => typeof v === 'string'));
    if (depth === 0) {
      parts.push(describeParams(prop, 1));
      parts.push(describeParams(asRecord(prop.items), 1));
    }
  }
  return parts.filter(Boolean).join(' ');
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
