// Attention maps: what every head of every layer attends to for one text, as plain
// arrays (tokens and [layer][head][query][key] probabilities) that a web demo can draw or
// `headViewHtml` can turn into a page. Any model of nn whose forward takes
// `outputAttentions` works: GPT-2 (causal) and BERT (bidirectional) alike.
import type { Module } from '@tensorlm/nn';
import { noGrad, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { z } from 'zod';
import { TaskError } from '../pipelines/errors.js';
import { maxPositions, modelBackend } from '../pipelines/model-source.js';

/** The attention of one text: `attentions[layer][head][query][key]`, each row summing to 1. */
export interface AttentionMaps {
  /** The model's class (GPT2LMHeadModel, BertModel, …). */
  architecture: string;
  /** The token strings as the tokenizer spells them ([CLS], Ġthe, ##ing, …). */
  tokens: string[];
  ids: number[];
  numLayers: number;
  numHeads: number;
  /** (layers, heads, tokens, tokens): softmax probabilities after masking (a causal model's future keys are 0). */
  attentions: number[][][][];
}

/** AttentionMaps as a zod schema: what `headViewHtml` accepts from outside (JSON, a demo). */
export const attentionMapsSchema = z
  .object({
    architecture: z.string(),
    tokens: z.array(z.string()).min(1),
    ids: z.array(z.number().int()),
    numLayers: z.number().int().positive(),
    numHeads: z.number().int().positive(),
    attentions: z.array(z.array(z.array(z.array(z.number().min(0).max(1))))),
  })
  .superRefine((maps, ctx) => {
    const t = maps.tokens.length;
    const bad = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: 'custom', path, message });
    if (maps.ids.length !== t) bad(['ids'], `has ${maps.ids.length} ids for ${t} tokens`);
    if (maps.attentions.length !== maps.numLayers)
      bad(['attentions'], `has ${maps.attentions.length} layers, numLayers is ${maps.numLayers}`);
    maps.attentions.forEach((layer, l) => {
      if (layer.length !== maps.numHeads)
        bad(['attentions', l], `has ${layer.length} heads, numHeads is ${maps.numHeads}`);
      layer.forEach((head, h) => {
        if (head.length !== t || head.some((row) => row.length !== t))
          bad(['attentions', l, h], `must be ${t} × ${t} (one row and column per token)`);
      });
    });
  });

/** What `forward` must accept and return for a model to have attention maps. */
interface ModelWithAttentions {
  forward(ids: Tensor, options: { outputAttentions: boolean }): { attentions?: Tensor[] | null };
}

/**
 * Runs `model` once on `ids` with dropout off and returns every layer's attention as plain
 * arrays. `tokens` label the ids (default: the ids as text).
 */
export async function attentionMapsForIds(
  model: Module,
  ids: readonly number[],
  tokens: readonly string[] = ids.map(String),
): Promise<AttentionMaps> {
  if (ids.length === 0) throw new TaskError('TASK_BAD_INPUT', 'attention maps need at least one token');
  if (tokens.length !== ids.length)
    throw new TaskError('TASK_BAD_INPUT', `${tokens.length} token labels for ${ids.length} ids`);
  const limit = maxPositions(model);
  if (limit !== null && ids.length > limit) {
    throw new TaskError(
      'TASK_BAD_INPUT',
      `the text is ${ids.length} tokens, and ${model.typeName} takes at most ${limit}: give a shorter text`,
    );
  }
  const runnable = model as unknown as Partial<ModelWithAttentions>;
  if (typeof runnable.forward !== 'function')
    throw new TaskError(
      'TASK_UNSUPPORTED_MODEL',
      `${model.typeName} has no forward pass to draw attention from`,
    );
  const training = model.training;
  if (training) model.eval();
  let attentions: Tensor[];
  try {
    attentions = noGrad(() =>
      tidy(() => {
        const input = tensor([ids as number[]], { dtype: 'i32', backend: modelBackend(model) });
        return runnable.forward!(input, { outputAttentions: true }).attentions ?? [];
      }),
    );
  } finally {
    if (training) model.train();
  }
  try {
    if (attentions.length === 0)
      throw new TaskError('TASK_UNSUPPORTED_MODEL', `${model.typeName} does not return attention weights`);
    const layers = await Promise.all(
      attentions.map(async (a) => ((await a.toArray()) as number[][][][])[0]!),
    );
    return {
      architecture: model.typeName,
      tokens: [...tokens],
      ids: [...ids],
      numLayers: layers.length,
      numHeads: layers[0]!.length,
      attentions: layers,
    };
  } finally {
    for (const a of attentions) a.dispose();
  }
}

/**
 * The attention maps of `text`: tokenized as the model was trained (BERT's [CLS] … [SEP]
 * included), one forward pass, every layer and head.
 */
export async function attentionMaps(
  model: Module,
  tokenizer: Tokenizer,
  text: string,
): Promise<AttentionMaps> {
  if (typeof text !== 'string' || text.trim() === '')
    throw new TaskError('TASK_BAD_INPUT', 'give a text to draw the attention of');
  const encoding = tokenizer.encodeDetailed(text);
  return attentionMapsForIds(model, encoding.ids, encoding.tokens);
}
