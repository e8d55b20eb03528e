import type { Tool } from '@modelcontextprotocol/server';

type ToolAnnotations = NonNullable<Tool['annotations']>;

/**
 * Whether `execute: true` may run a tool the caller did not name: only one that declares it changes
 * nothing (`readOnlyHint: true`) or nothing irreversibly (`destructiveHint: false`). MCP's defaults
 * for a tool without annotations are "not read-only, destructive", so an unannotated tool, or one
 * that says `destructiveHint: true` whatever else it says, runs only when named with `tool_name`.
 */
export function mayAutoRun(annotations: ToolAnnotations | undefined): boolean {
  if (!annotations || annotations.destructiveHint === true) return false;
  return annotations.readOnlyHint === true || annotations.destructiveHint === false;
}
