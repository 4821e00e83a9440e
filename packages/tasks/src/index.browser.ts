// @tensorlm/tasks in a browser: the pipelines, attention maps and search index, without
// the Node-only pieces (index files on disk, model-folder fingerprints, the native HNSW
// addon). The `browser` export condition points here.
export * from './attention/index.js';
export * from './pipelines/index.js';
export * from './search/index.js';
