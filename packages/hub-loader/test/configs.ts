// config.json objects for the tiny test models, written out field by field in Hugging
// Face's names (independent of the code under test's own serializer).
import { TINY_BERT, TINY_GPT } from './tiny.js';

export function gpt2ConfigJson(architecture = 'GPT2LMHeadModel'): Record<string, unknown> {
  return {
    architectures: [architecture],
    model_type: 'gpt2',
    vocab_size: TINY_GPT.vocabSize,
    n_positions: TINY_GPT.blockSize,
    n_embd: TINY_GPT.nEmbd,
    n_layer: TINY_GPT.nLayer,
    n_head: TINY_GPT.nHead,
    activation_function: 'gelu_new',
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    layer_norm_epsilon: 1e-5,
  };
}

export function bertConfigJson(architecture: string): Record<string, unknown> {
  return {
    architectures: [architecture],
    model_type: 'bert',
    vocab_size: TINY_BERT.vocabSize,
    hidden_size: TINY_BERT.hiddenSize,
    num_hidden_layers: TINY_BERT.numHiddenLayers,
    num_attention_heads: TINY_BERT.numAttentionHeads,
    intermediate_size: TINY_BERT.intermediateSize,
    max_position_embeddings: TINY_BERT.maxPositionEmbeddings,
    hidden_dropout_prob: 0,
    attention_probs_dropout_prob: 0,
    position_embedding_type: 'absolute',
  };
}
