// Semantic search in Node: indexes on disk (atomic saves, checked loads), model
// fingerprints from a model folder, and the approximate (HNSW, usearch) index.
export { type HnswOptions, HnswVectorIndex, hnswIndex, recallAtK } from './approximate.node.js';
export { modelFingerprint, modelIdentity } from './model-identity.node.js';
export {
  checkIndexFolder,
  type LoadSearchIndexOptions,
  loadSearchIndex,
  readSearchManifest,
  type SaveSearchIndexOptions,
  saveSearchIndex,
} from './persist.node.js';
