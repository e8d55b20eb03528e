/** Smart discovery: a lexical (BM25+) index of the gateway's tools and the helpers the meta-tool needs. */
export type { IndexedTool, DiscoveryHit, SearchOptions } from './types.js';
export { ToolIndex } from './tool-index.js';
export { isConfident, CONFIDENCE_RATIO } from './confidence.js';
