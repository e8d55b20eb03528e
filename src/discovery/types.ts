/** A tool as the discovery index sees it: its name on its backend plus the text that describes it. */
export interface IndexedTool {
  name: string;
  backend: string;
  title?: string;
  description?: string;
  inputSchema?: Record<string, unknown>;
  /** Operator hints (a tool set's keywords and aliases): searched like the title, never shown. */
  hints?: string[];
}

/** One ranked search result; `score` is the ranker's relevance (higher is better, not normalised). */
export interface DiscoveryHit {
  name: string;
  backend: string;
  title?: string;
  description?: string;
  score: number;
  inputSchema?: Record<string, unknown>;
}

/**
 * Options of `ToolIndex.search`: at most `limit` hits (default 5), optionally from one backend only, and
 * only tools the caller may use (`permits`, from its principal's policy).
 */
export interface SearchOptions {
  limit?: number;
  backend?: string;
  permits?: (name: string, backend: string) => boolean;
}
