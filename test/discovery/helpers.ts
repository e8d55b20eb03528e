/** Helpers for calling smart_tool_discovery through the gateway and checking its answers. */
import assert from 'node:assert/strict';
import type { Client, CallToolResult } from '@modelcontextprotocol/client';
import { Ajv } from 'ajv';
import { META_TOOL } from '../../src/discovery/index.js';

/** The meta-tool's structuredContent. */
export interface Report {
  tools: { name: string; backend: string; description: string; score: number; inputSchema: object }[];
  confident: boolean;
  executed?: { tool: string; backend: string; arguments: Record<string, unknown>; result: CallToolResult };
  reranked?: { tool: string | null; arguments?: Record<string, unknown> };
  note?: string;
}

const validate = new Ajv({ strict: false }).compile(META_TOOL.outputSchema!);

/** Calls the meta-tool and returns the raw result. */
export async function discover(client: Client, args: Record<string, unknown>): Promise<CallToolResult> {
  return (await client.callTool({ name: 'smart_tool_discovery', arguments: args })) as CallToolResult;
}

/** Calls the meta-tool, checks its structuredContent against the outputSchema, and returns it. */
export async function report(client: Client, args: Record<string, unknown>): Promise<Report> {
  const result = await discover(client, args);
  assert.ok(!result.isError, `meta-tool failed: ${JSON.stringify(result.content)}`);
  assert.ok(validate(result.structuredContent), JSON.stringify(validate.errors));
  return result.structuredContent as unknown as Report;
}

/** Names of the matches in a report. */
export const names = (r: Report): string[] => r.tools.map((t) => t.name);

/** All text items of a result, joined. */
export function allText(result: CallToolResult): string {
  return result.content
    .filter((c) => c.type === 'text')
    .map((c) => (c as { text: string }).text)
    .join('\n');
}
