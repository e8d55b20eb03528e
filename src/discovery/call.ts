import type { CallToolResult } from '@modelcontextprotocol/server';
import { toolError } from '../dispatch/dispatch.js';
import { GatewayError } from '../errors.js';
import { log } from '../log.js';
import { executedResult, reportHit, searchResult, type DiscoveryReport } from './format.js';
import { META_TOOL_NAME, parseInput } from './meta-tool.js';
import { RERANK_CANDIDATES, rerank, type RerankPick, type Sample } from './rerank.js';
import { mayAutoRun } from './safety.js';
import type { Discovery, Ranking } from './service.js';

/** How the meta-tool reaches the rest of the gateway while serving one call. */
export interface MetaCallContext {
  /** Calls an exposed tool through the normal routing (same session, progress and cancellation). */
  callTool(name: string, args: Record<string, unknown>): Promise<CallToolResult>;
  /** Asks the calling client's model; absent when the client did not declare sampling. */
  sample?: Sample;
  /** Whether the caller may use a tool (its principal's policy); absent: every tool. */
  permits?: (name: string, backend: string) => boolean;
  /** Whether the caller may use any tool of a backend; absent: every backend. */
  permitsBackend?: (backend: string) => boolean;
}

/** Serves one tools/call of the meta-tool: search, and optionally run the best match or a named tool. */
export async function callMetaTool(
  discovery: Discovery,
  args: Record<string, unknown> | undefined,
  ctx: MetaCallContext,
): Promise<CallToolResult> {
  const input = parseInput(args);
  if (typeof input === 'string')
    return toolError(new GatewayError('invalid_arguments', `${META_TOOL_NAME}: ${input}`));
  if (input.toolName) return runNamed(discovery, input.toolName, input.arguments ?? {}, ctx);
  const request = input.request as string;
  const backends = discovery.backends().filter((b) => ctx.permitsBackend?.(b) ?? true);
  if (input.backend && !backends.includes(input.backend)) {
    const known = backends.join(', ') || 'none';
    const note = `No indexed backend is named "${input.backend}" (indexed: ${known}).`;
    return searchResult({ tools: [], confident: false, note }, request);
  }
  const ranking = await discovery.rank(request, input.limit, input.backend, ctx.permits);
  const pick = await samplingPick(discovery, request, ranking, ctx);
  const { hits, confident } = pick ? reordered(ranking, pick) : ranking;
  const report: DiscoveryReport = { tools: hits.slice(0, input.limit).map(reportHit), confident };
  if (pick) report.reranked = pick;
  if (!input.execute) return searchResult(report, request);
  const [top, second] = hits;
  if (!top) return searchResult({ ...report, note: 'Nothing was run: no tool matches.' }, request);
  if (!confident) {
    report.note = pick
      ? "Nothing was run: the client's model found no tool that fits."
      : `Nothing was run: ${top.name} is not clearly ahead of ${second?.name ?? 'the others'}` +
        ` (score ${round(top.score)} vs ${round(second?.score ?? 0)}). Choose one and call it with tool_name.`;
    return searchResult(report, request);
  }
  if (!mayAutoRun(discovery.host.snapshot().toolsByName.get(top.name)?.item.annotations)) {
    report.note =
      `Nothing was run: ${top.name} does not declare itself read-only or non-destructive` +
      ' (its annotations), so it runs only when named. Call it with tool_name if it is the right tool.';
    return searchResult(report, request);
  }
  const callArgs = { ...pick?.arguments, ...input.arguments };
  const result = await ctx.callTool(top.name, callArgs);
  report.executed = { tool: top.name, backend: top.backend, arguments: callArgs, result };
  return executedResult(report);
}

/** The client's model's pick when reranking is on and the client can sample; undefined on any failure. */
async function samplingPick(
  discovery: Discovery,
  request: string,
  ranking: Ranking,
  ctx: MetaCallContext,
): Promise<RerankPick | undefined> {
  if (discovery.host.settings().rerank !== 'sampling' || !ctx.sample || !ranking.hits.length)
    return undefined;
  try {
    return await rerank(request, ranking.hits.slice(0, RERANK_CANDIDATES), ctx.sample);
  } catch (err) {
    log.info(
      { err: err instanceof Error ? err.message : String(err) },
      'sampling rerank failed; lexical ranking used',
    );
    return undefined;
  }
}

/** The ranking with the model's pick first (confident: the model chose), or unconfident when it chose none. */
function reordered(ranking: Ranking, pick: RerankPick): Ranking {
  if (!pick.tool) return { hits: ranking.hits, confident: false };
  const chosen = ranking.hits.find((h) => h.name === pick.tool);
  if (!chosen) return ranking;
  return { hits: [chosen, ...ranking.hits.filter((h) => h !== chosen)], confident: true };
}

/** Runs a tool named by the caller; an unknown name gets a tool error with the closest names. */
async function runNamed(
  discovery: Discovery,
  name: string,
  args: Record<string, unknown>,
  ctx: MetaCallContext,
): Promise<CallToolResult> {
  if (name === META_TOOL_NAME)
    return toolError(new GatewayError('invalid_arguments', `${META_TOOL_NAME} cannot run itself`));
  const entry = discovery.host.snapshot().toolsByName.get(name);
  let result: CallToolResult;
  try {
    result = await ctx.callTool(name, args);
  } catch (err) {
    if (!(err instanceof GatewayError) || err.code !== 'unknown_tool') throw err;
    const near = (await discovery.rank(name, 3, undefined, ctx.permits)).hits.slice(0, 3).map((h) => h.name);
    const hint = near.length ? ` Closest names: ${near.join(', ')}.` : '';
    const message = `Unknown tool "${name}": no tool has that exposed name.${hint} Search with { request } to find one.`;
    return toolError(new GatewayError('unknown_tool', message));
  }
  if (!entry) return result; // its backend is down: the result is already the error saying so
  const report: DiscoveryReport = {
    tools: [
      reportHit({
        name,
        backend: entry.backend,
        title: entry.item.title,
        description: entry.item.description,
        inputSchema: entry.item.inputSchema,
        score: 1,
      }),
    ],
    confident: true,
    executed: { tool: name, backend: entry.backend, arguments: args, result },
  };
  return executedResult(report);
}

function round(score: number): number {
  return Math.round(score * 1000) / 1000;
}
