/**
 * The meta-tool's schemas use only what every client's schema dialect can express: one `type` per schema
 * (unions as `anyOf`), and no schema without a validation keyword (the MCP Inspector's portability checks).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { META_TOOL } from '../../src/discovery/meta-tool.js';

/** Problems of one schema and its subschemas, as `path: issue`. */
function unportable(schema: unknown, path: string): string[] {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    return [`${path}: not a schema object`];
  const node = schema as Record<string, unknown>;
  const out: string[] = [];
  if (Array.isArray(node.type)) out.push(`${path}: type is an array (${JSON.stringify(node.type)})`);
  if (
    !('type' in node) &&
    !('anyOf' in node) &&
    !('oneOf' in node) &&
    !('enum' in node) &&
    !('const' in node)
  )
    out.push(`${path}: no validation keyword`);
  for (const [name, sub] of Object.entries((node.properties as Record<string, unknown>) ?? {}))
    out.push(...unportable(sub, `${path}.properties.${name}`));
  if (node.items !== undefined) out.push(...unportable(node.items, `${path}.items`));
  for (const key of ['anyOf', 'oneOf', 'allOf'])
    ((node[key] as unknown[]) ?? []).forEach((sub, i) =>
      out.push(...unportable(sub, `${path}.${key}[${i}]`)),
    );
  return out;
}

describe('smart_tool_discovery schemas', () => {
  it('are portable: no type arrays, no untyped schemas', () => {
    assert.deepEqual(
      [
        ...unportable(META_TOOL.inputSchema, 'inputSchema'),
        ...unportable(META_TOOL.outputSchema, 'outputSchema'),
      ],
      [],
    );
  });

  it('still accept a rerank that picked no tool (null) and one that picked a tool', () => {
    const validate = new Ajv2020({ strict: false }).compile(META_TOOL.outputSchema!);
    for (const tool of [null, 'fx__add']) {
      assert.ok(
        validate({ tools: [], confident: false, reranked: { tool } }),
        JSON.stringify(validate.errors),
      );
    }
    assert.ok(!validate({ tools: [], confident: false, reranked: { tool: 3 } }));
  });
});
