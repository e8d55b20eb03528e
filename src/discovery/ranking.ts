/**
 * Ranking knobs, tuned on the tune split and the blind dev split only, never on the test split
 * (see scripts/eval-discovery.ts); mutable only for tuning and ablation.
 */
export const RANKING = {
  boost: { name: 1.5, title: 1, description: 1, details: 0.1, params: 0.4, backend: 1.5 } as Record<
    string,
    number
  >,
  /** The first words of a description are its summary; the rest (usage notes, examples) weigh less. */
  summaryWords: 30,
  bm25: { k: 2, b: 0.9, d: 0.5 },
  /** Weight of the words of a quoted span in the request (a literal value, not the task). */
  literalWeight: 0.3,
  /** Weight of a synonym-table word the request did not contain itself. */
  expansionWeight: 0.8,
  /** Expand request words through the synonym table (synonyms.ts). */
  synonyms: true,
  /** Count matched request words (a word or any term standing for it), not index terms, as coordination. */
  groupCoordination: true,
  /** Prefix matching for query terms at least this long (Infinity: off). */
  prefixMinLength: 4,
  /** Fuzzy matching (one edit) for query terms at least this long that no tool holds (Infinity: off). */
  fuzzyMinLength: 6,
  weights: { fuzzy: 0.3, prefix: 0.4 },
  /** Split camelCase identifiers and letter/digit runs into words (snake_case and kebab-case always split). */
  splitIdentifiers: true,
  /**
   * How much a tool's score depends on its backend's relevance to the request (BackendIndex):
   * score × (1 - backendWeight + backendWeight × relevance); 0 ignores it.
   */
  backendWeight: 0.2,
  /** Field boosts of the backend documents: backend and tool names; tool titles and summaries. */
  backendFields: { names: 1, text: 1 },
  /** Score multiplier for the tools of a backend the request names ("…on GitLab"). */
  mentionBoost: 2,
};
