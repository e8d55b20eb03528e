import type { CreateMessageRequest, CreateMessageResult } from '@modelcontextprotocol/server';
import { Ajv } from 'ajv';
import type { DiscoveryHit } from './types.js';

/** The client's model's answer: one candidate (or null: none fits) and the arguments it filled in. */
export interface RerankPick {
  tool: string | null;
  arguments?: Record<string, unknown>;
}

/** Sends `sampling/createMessage` to the calling client. */
export type Sample = (params: CreateMessageRequest['params']) => Promise<CreateMessageResult>;

/** How many of the top matches the model chooses among. */
export const RERANK_CANDIDATES = 5;

const SYSTEM =
  'You pick the one tool that best does what a request asks, and fill in its arguments from the request. ' +
  'Reply with a single JSON object and nothing else.';

/** The sampling request: the user's request and the candidates with their input schemas. */
export function rerankPrompt(request: string, candidates: DiscoveryHit[]): CreateMessageRequest['params'] {
  const listed = candidates
    .map(
      (c, i) =>
        `${i + 1}. ${c.name}: ${(c.description ?? c.title ?? '').replace(/\s+/g, ' ').slice(0, 400)}\n` +
        `   input schema: ${JSON.stringify(c.inputSchema ?? { type: 'object' })}`,
    )
    .join('\n');
  const text =
    `Request: ${JSON.stringify(request)}\n\nCandidate tools:\n${listed}\n\n` +
    'Reply with only this JSON: {"tool": "<the name of one candidate, or null if none fits>", ' +
    '"arguments": {<arguments for that tool, taken from the request; {} if the request gives none>}}';
  return {
    messages: [{ role: 'user', content: { type: 'text', text } }],
    systemPrompt: SYSTEM,
    maxTokens: 512,
    temperature: 0,
    includeContext: 'none',
    modelPreferences: { intelligencePriority: 0.3, speedPriority: 0.8, costPriority: 0.8 },
  };
}

/** The first JSON object in a reply (models sometimes wrap it in a code fence or a sentence). */
function firstObject(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) throw new Error('no JSON object in the reply');
  return JSON.parse(text.slice(start, end + 1)) as unknown;
}

/**
 * Reads and checks the model's reply: the tool must be one of the candidates (or null) and the
 * arguments an object valid against that tool's input schema. Throws on anything else.
 */
export function parsePick(result: CreateMessageResult, candidates: DiscoveryHit[]): RerankPick {
  if (result.content.type !== 'text') throw new Error(`the reply is ${result.content.type}, not text`);
  const reply = firstObject(result.content.text);
  if (!reply || typeof reply !== 'object' || Array.isArray(reply))
    throw new Error('the reply is not an object');
  const { tool, arguments: args } = reply as { tool?: unknown; arguments?: unknown };
  if (tool === null) return { tool: null };
  const chosen = candidates.find((c) => c.name === tool);
  if (!chosen) throw new Error(`the reply names ${JSON.stringify(tool)}, not a candidate`);
  if (args === undefined) return { tool: chosen.name };
  if (!args || typeof args !== 'object' || Array.isArray(args)) throw new Error('arguments is not an object');
  if (chosen.inputSchema) {
    // A fresh Ajv per check: a shared one would keep every schema it ever compiled.
    const ajv = new Ajv({ strict: false, validateSchema: false });
    let validate;
    try {
      validate = ajv.compile(chosen.inputSchema);
    } catch {
      // A schema Ajv cannot compile is the upstream's to check.
    }
    if (validate && !validate(args))
      throw new Error(`arguments do not fit the schema: ${ajv.errorsText(validate.errors)}`);
  }
  return { tool: chosen.name, arguments: args as Record<string, unknown> };
}

/** Asks the client's model to pick among the candidates; throws on any failure (the caller falls back). */
export async function rerank(
  request: string,
  candidates: DiscoveryHit[],
  sample: Sample,
): Promise<RerankPick> {
  const result = await sample(rerankPrompt(request, candidates));
  return parsePick(result, candidates);
}
