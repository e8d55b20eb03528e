import type {
  Client,
  Implementation,
  Prompt,
  Resource,
  ResourceTemplateType,
  ServerCapabilities,
  Tool,
} from '@modelcontextprotocol/client';

const MAX_PAGES = 1000;

/** Everything an upstream offers, as last fetched. */
export interface BackendCatalog {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplateType[];
  prompts: Prompt[];
  capabilities: ServerCapabilities;
  serverInfo?: Implementation;
  instructions?: string;
  /**
   * How many times the upstream said each list changed: an announcement is passed on to clients even when
   * the list reads the same afterwards, as the client would have seen it talking to the upstream directly.
   */
  announced?: { tools: number; resources: number; prompts: number };
}

/** The catalog of a backend that is not connected. */
export const EMPTY_CATALOG: BackendCatalog = {
  tools: [],
  resources: [],
  resourceTemplates: [],
  prompts: [],
  capabilities: {},
};

/** Follows `nextCursor` until the last page; a repeated cursor ends the walk instead of looping. */
export async function listAll<T>(
  page: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>,
): Promise<T[]> {
  const out: T[] = [];
  const seen = new Set<string>();
  let cursor: string | undefined;
  for (let i = 0; i < MAX_PAGES; i++) {
    const res = await page(cursor);
    out.push(...res.items);
    if (!res.nextCursor || seen.has(res.nextCursor)) break;
    seen.add(res.nextCursor);
    cursor = res.nextCursor;
  }
  return out;
}

/** One whole list (tools, resources, templates or prompts), page by page. */
export function listKind(
  client: Client,
  timeoutMs: number,
  what: 'tools' | 'resources' | 'resourceTemplates' | 'prompts',
): Promise<unknown[]> {
  const opts = { timeout: timeoutMs };
  return listAll<unknown>(async (cursor) => {
    const params = cursor ? { cursor } : undefined;
    switch (what) {
      case 'tools': {
        const r = await client.listTools(params, opts);
        return { items: r.tools, nextCursor: r.nextCursor };
      }
      case 'resources': {
        const r = await client.listResources(params, opts);
        return { items: r.resources, nextCursor: r.nextCursor };
      }
      case 'resourceTemplates': {
        const r = await client.listResourceTemplates(params, opts);
        return { items: r.resourceTemplates, nextCursor: r.nextCursor };
      }
      case 'prompts': {
        const r = await client.listPrompts(params, opts);
        return { items: r.prompts, nextCursor: r.nextCursor };
      }
    }
  });
}

/** Fetches every list the upstream's capabilities announce, following pagination. */
export async function fetchCatalog(client: Client, timeoutMs: number): Promise<BackendCatalog> {
  const capabilities = client.getServerCapabilities() ?? {};
  const [tools, resources, resourceTemplates, prompts] = await Promise.all([
    capabilities.tools ? listKind(client, timeoutMs, 'tools') : [],
    capabilities.resources ? listKind(client, timeoutMs, 'resources') : [],
    capabilities.resources ? listKind(client, timeoutMs, 'resourceTemplates') : [],
    capabilities.prompts ? listKind(client, timeoutMs, 'prompts') : [],
  ]);
  return {
    tools: tools as Tool[],
    resources: resources as Resource[],
    resourceTemplates: resourceTemplates as ResourceTemplateType[],
    prompts: prompts as Prompt[],
    capabilities,
    serverInfo: client.getServerVersion(),
    instructions: client.getInstructions(),
  };
}

/** The catalog with one kind re-listed (after the upstream's list_changed for it). */
export async function refreshKind(
  client: Client,
  timeoutMs: number,
  catalog: BackendCatalog,
  what: 'tools' | 'resources' | 'prompts',
): Promise<BackendCatalog> {
  const seen = catalog.announced ?? { tools: 0, resources: 0, prompts: 0 };
  const next = { ...catalog, announced: { ...seen, [what]: seen[what] + 1 } };
  if (what === 'tools') next.tools = (await listKind(client, timeoutMs, 'tools')) as Tool[];
  if (what === 'prompts') next.prompts = (await listKind(client, timeoutMs, 'prompts')) as Prompt[];
  if (what === 'resources') {
    next.resources = (await listKind(client, timeoutMs, 'resources')) as Resource[];
    next.resourceTemplates = (await listKind(
      client,
      timeoutMs,
      'resourceTemplates',
    )) as ResourceTemplateType[];
  }
  return next;
}

/** Calls `refresh` with the list an upstream says has changed (tools, resources or prompts). */
export function onListChanged(
  client: Client,
  refresh: (what: 'tools' | 'resources' | 'prompts') => void,
): void {
  client.setNotificationHandler('notifications/tools/list_changed', () => refresh('tools'));
  client.setNotificationHandler('notifications/resources/list_changed', () => refresh('resources'));
  client.setNotificationHandler('notifications/prompts/list_changed', () => refresh('prompts'));
}
