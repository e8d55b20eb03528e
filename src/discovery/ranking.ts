/** Ranking knobs, tuned on the evaluation set (see scripts/eval-discovery.ts); mutable only for tuning. */
export const RANKING = {
  boost: { name: 3, title: 2, description: 1, details: 0.3, params: 0.4, backend: 1.5 } as Record<
    string,
    number
  >,
  /** The first words of a description are its summary; the rest (usage notes, examples) weigh less. */
  summaryWords: 30,
  bm25: { k: 1.2, b: 0.7, d: 0.5 },
  /** Weight of a synonym the request did not contain itself. */
  expansionWeight: 0.5,
  /** Prefix matching for query terms at least this long (Infinity: off). */
  prefixMinLength: 4,
  /** Fuzzy matching (one edit) for query terms at least this long that no tool holds (Infinity: off). */
  fuzzyMinLength: 6,
  weights: { fuzzy: 0.3, prefix: 0.4 },
  /** Score multiplier for the tools of a backend the request names ("…on GitLab"). */
  mentionBoost: 2,
};
