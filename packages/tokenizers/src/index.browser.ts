// @tensorlm/tokenizers for browsers (the package's `browser` export condition):
// ./index.shared.ts plus the packaged vocabularies over fetch and loadTokenizer for JSON.
// No `node:` import is reachable from here (tooling/browser bundles it and checks).

export * from './index.shared.js';
export { bertBaseUncased, gpt2 } from './pretrained/pretrained.browser.js';
export { loadTokenizer } from './registry/load.browser.js';
