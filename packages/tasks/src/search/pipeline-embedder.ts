// The feature-extraction pipeline as a search Embedder: mean pooling over real tokens,
// L2-normalised (sentence-transformers' recipe), one (N, D) tensor per call so the index
// reads it back once; token weights (an index's fitted SIF weights) make it a weighted
// mean. The model's identity comes from the caller (a fingerprint of its files:
// ./model-identity.node.ts in Node; any stable label in a browser).
import type { FeatureExtraction } from '../pipelines/feature-extraction.js';
import { maxPositions } from '../pipelines/model-source.js';
import type { Embedder, ModelIdentity } from './embedder.js';

export function pipelineEmbedder(extractor: FeatureExtraction, identity: ModelIdentity): Embedder {
  const limit = maxPositions(extractor.model);
  return {
    identity,
    ...(limit === null ? {} : { maxTokens: limit }),
    countTokens: (text) => extractor.tokenizer.encode(text).length,
    tokenIds: (text) => extractor.tokenizer.encode(text).slice(0, limit ?? undefined),
    vocabSize: extractor.tokenizer.vocabSize,
    embed: (texts, options) =>
      extractor.embedTensor(texts, {
        pooling: 'mean',
        normalize: true,
        ...(options?.tokenWeights ? { tokenWeights: options.tokenWeights } : {}),
      }),
  };
}
