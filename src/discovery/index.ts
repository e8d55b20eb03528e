/** Smart discovery: a lexical (BM25+) index of the gateway's tools and the helpers the meta-tool needs. */
export type { IndexedTool, DiscoveryHit, SearchOptions } from './types.js';
export { ToolIndex } from './tool-index.js';
export { isConfident, CONFIDENCE_RATIO } from './confidence.js';
export { Discovery, type DiscoveryHost } from './service.js';
export { META_TOOL, META_TOOL_NAME } from './meta-tool.js';
export { handleMetaCall } from './session.js';
export { EmbeddingClient, type Embedder } from './embeddings.js';
export { HybridRanker, type HybridOptions } from './hybrid.js';
