import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { SwitchboardConfig, Toolset } from '../config/schema-types.js';

/** What a set changes about one tool of the catalog. */
export interface ToolOverrideSpec {
  /** The name agents of the set see and call. */
  name?: string;
  title?: string;
  description?: string;
  /** Merged over the upstream tool's annotations. */
  annotations?: ToolAnnotations;
  /** Operator hints indexed by discovery in this set, never shown to agents. */
  keywords: string[];
}

/** One `toolsets:` entry after defaults: a named, curated view of the catalog. */
export interface ToolsetSpec {
  name: string;
  description?: string;
  instructions?: string;
  /** Globs over the gateway's exposed tool names. */
  tools: string[];
  excludeTools: string[];
  /** Globs over backend names whose resources (and templates) the set exposes. */
  resources: string[];
  /** Globs over backend names whose prompts the set exposes. */
  prompts: string[];
  discoveryOnly: boolean;
  /** By the tool's exposed name in the gateway's catalog. */
  overrides: Map<string, ToolOverrideSpec>;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : [v].flat());

function toolset(name: string, raw: Toolset): ToolsetSpec {
  const overrides = new Map<string, ToolOverrideSpec>();
  for (const [tool, o] of Object.entries(raw.overrides ?? {})) {
    overrides.set(tool, {
      ...(o.name !== undefined && { name: o.name }),
      ...(o.title !== undefined && { title: o.title }),
      ...(o.description !== undefined && { description: o.description }),
      ...(o.annotations && { annotations: o.annotations }),
      keywords: o.keywords ?? [],
    });
  }
  return {
    name,
    ...(raw.description !== undefined && { description: raw.description }),
    ...(raw.instructions !== undefined && { instructions: raw.instructions }),
    tools: list(raw.tools),
    excludeTools: list(raw.exclude_tools),
    resources: list(raw.resources),
    prompts: list(raw.prompts),
    discoveryOnly: raw.discovery_only ?? false,
    overrides,
  };
}

/** The file's `toolsets:` normalised, in file order. */
export function toolsetSpecs(raw: SwitchboardConfig): ToolsetSpec[] {
  return Object.entries(raw.toolsets ?? {}).map(([name, t]) => toolset(name, t));
}
