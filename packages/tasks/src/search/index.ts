// Semantic search, browser-safe part: the index (dense, BM25, hybrid), its vector indexes,
// the embedder interface and the file formats as bytes. Node adds ./index.node.ts.
export { Bm25Index, type Bm25Options, bm25Terms, type RankedId } from './bm25.js';
export {
  type Embedder,
  type EmbedOptions,
  type EmbedProgress,
  embedInBatches,
  type ModelIdentity,
  normalizeRows,
} from './embedder.js';
export { SearchError, type SearchErrorCode } from './errors.js';
export { ExactVectorIndex } from './exact-index.js';
export {
  FUSIONS,
  type FusedId,
  type Fusion,
  hybridWeights,
  reciprocalRankFusion,
  relativeScoreFusion,
} from './fusion.js';
export {
  decodeSearchIndex,
  encodeSearchIndex,
  INDEX_FORMAT,
  type IndexFiles,
  MANIFEST_FILE,
  manifestSchema,
  parseManifest,
  type SearchIndexManifest,
} from './index-files.js';
export { pipelineEmbedder } from './pipeline-embedder.js';
export {
  applyVectorTransform,
  describeTransform,
  fitVectorTransform,
  POST_PROCESSINGS,
  type PostProcessing,
  type PostProcessingKind,
  postProcessingSchema,
  type TransformRecord,
  type VectorTransform,
} from './post-processing.js';
export {
  type AddOptions,
  type AddReport,
  type BuildOptions,
  type JsonValue,
  type QueryOptions,
  type SearchDocument,
  type SearchHit,
  SearchIndex,
  type SearchMode,
  searchDocumentSchema,
} from './search-index.js';
export { symmetricEigen } from './symmetric-eigen.js';
export {
  fitTokenWeights,
  SIF_A,
  TOKEN_WEIGHTINGS,
  type TokenWeighting,
  type TokenWeights,
  type TokenWeightsRecord,
  tokenWeightingSchema,
} from './token-weights.js';
export type { VectorIndex, VectorIndexFactory } from './vector-index.js';
