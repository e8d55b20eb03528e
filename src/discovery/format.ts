import type { CallToolResult } from '@modelcontextprotocol/server';
import { META_TOOL_NAME } from './meta-tool.js';
import type { DiscoveryHit } from './types.js';

/** One match as the meta-tool's structuredContent reports it. */
export interface ReportedHit {
  name: string;
  backend: string;
  description: string;
  score: number;
  inputSchema: Record<string, unknown>;
}

/** The meta-tool's structuredContent (see META_TOOL.outputSchema). */
export interface DiscoveryReport {
  tools: ReportedHit[];
  confident: boolean;
  executed?: { tool: string; backend: string; arguments: Record<string, unknown>; result: CallToolResult };
  reranked?: { tool: string | null; arguments?: Record<string, unknown> };
  note?: string;
}

/** The structured form of a hit: score rounded, schema always present. */
export function reportHit(hit: DiscoveryHit): ReportedHit {
  return {
    name: hit.name,
    backend: hit.backend,
    description: hit.description ?? hit.title ?? '',
    score: Math.round(hit.score * 1000) / 1000,
    inputSchema: hit.inputSchema ?? { type: 'object' },
  };
}

/** The parameters of a schema in one line: `name: type` with `?` for optional ones. */
export function signature(schema: Record<string, unknown>): string {
  const props = schema.properties;
  if (!props || typeof props !== 'object') return '';
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(props as Record<string, Record<string, unknown> | undefined>)
    .map(([key, p]) => {
      const type = Array.isArray(p?.enum)
        ? p.enum.map((v) => JSON.stringify(v)).join('|')
        : typeof p?.type === 'string'
          ? p.type
          : 'any';
      return `${key}${required.has(key) ? '' : '?'}: ${type}`;
    })
    .join(', ');
}

/** First sentence (or 160 characters) of a description: enough for a model to choose. */
function summary(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const sentence = /^(.{20,160}?[.!?])(\s|$)/.exec(flat)?.[1] ?? flat;
  return sentence.length > 160 ? `${sentence.slice(0, 157)}...` : sentence;
}

/** The compact text a model reads: one block per match, then the note and how to call. */
export function reportText(report: DiscoveryReport, request: string | undefined): string {
  const lines: string[] = [];
  if (!report.tools.length) {
    lines.push(`No tool matches ${request ? JSON.stringify(request) : 'the request'}.`);
  } else {
    const what = request ? ` for ${JSON.stringify(request)}` : '';
    lines.push(`${report.tools.length} match${report.tools.length === 1 ? '' : 'es'}${what}, best first:`);
    report.tools.forEach((t, i) => {
      lines.push(
        `${i + 1}. ${t.name} (${t.backend}, score ${t.score})${t.description ? ` - ${summary(t.description)}` : ''}`,
      );
      lines.push(`   args: ${signature(t.inputSchema) || 'none'}`);
    });
  }
  if (report.reranked?.tool) lines.push(`The client's model picked ${report.reranked.tool}.`);
  if (report.note) lines.push(report.note);
  if (report.tools.length && !report.executed)
    lines.push(`Call a match by its name, or ${META_TOOL_NAME} with { tool_name, arguments }.`);
  return lines.join('\n');
}

/** A search answer: text for the model, structuredContent for programs. */
export function searchResult(report: DiscoveryReport, request: string | undefined): CallToolResult {
  return {
    content: [{ type: 'text', text: reportText(report, request) }],
    structuredContent: report as unknown as Record<string, unknown>,
  };
}

/** The tool's own result, plus a last text item and `_meta` saying which tool ran. */
export function executedResult(report: DiscoveryReport): CallToolResult {
  const executed = report.executed!;
  const result = executed.result;
  const ran = `[${META_TOOL_NAME}] ran ${executed.tool} (backend ${executed.backend})${report.note ? `: ${report.note}` : ''}`;
  return {
    ...result,
    content: [...(result.content ?? []), { type: 'text', text: ran }],
    structuredContent: report as unknown as Record<string, unknown>,
    _meta: { ...result._meta, 'switchboard/executed': { tool: executed.tool, backend: executed.backend } },
  };
}
