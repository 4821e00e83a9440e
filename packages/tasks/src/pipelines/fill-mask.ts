// fill-mask: the most likely tokens for each [MASK] of a text, as transformers'
// FillMaskPipeline returns them — `{ score, token, tokenStr, sequence }`, a list per input
// with one mask, a list per mask with several (each candidate fills its own mask only) —
// with `topK` and `targets` (scores stay probabilities over the whole vocabulary).
import { BertForMaskedLM } from '@tensorlm/nn';
import { indexSelect, noGrad, reshape, softmax, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { z } from 'zod';
import {
  BasePipeline,
  callable,
  type ResolvedPipelineOptions,
  requireTokenizer,
  unsupportedModel,
} from './base.js';
import { asList, chunks, disposeBatch, encodeTexts, padBatch } from './encode.js';
import { parseOptions, TaskError } from './errors.js';
import { inEvalMode, maxPositions, modelBackend, type ResolvedModel } from './model-source.js';

export interface FillMaskCandidate {
  /** Probability of the token at this mask (softmax over the vocabulary). */
  score: number;
  token: number;
  /** The token decoded alone. */
  tokenStr: string;
  /** The input with this mask filled (several masks: the others stay, special tokens shown). */
  sequence: string;
}

/** One mask: candidates best first; several masks: one such list per mask, in text order. */
export type FillMaskOutput = FillMaskCandidate[] | FillMaskCandidate[][];

export const fillMaskOptionsSchema = z.strictObject({
  /** Candidates per mask (default 5; at most the number of targets). */
  topK: z.number().int().min(1).default(5),
  /** Score only these tokens (a word not in the vocabulary counts as its first token, with a note). */
  targets: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
});
export type FillMaskOptions = z.input<typeof fillMaskOptionsSchema>;

/** The k best of `scores` (ties: the lower index first), as indices. */
function topIndices(scores: ArrayLike<number>, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (best.length === k && s <= scores[best[k - 1]!]!) continue;
    let at = best.length;
    while (at > 0 && s > scores[best[at - 1]!]!) at--;
    best.splice(at, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

export class FillMask extends BasePipeline {
  readonly task = 'fill-mask' as const;
  override readonly model: BertForMaskedLM;
  readonly maskTokenId: number;

  constructor(resolved: ResolvedModel, options: ResolvedPipelineOptions) {
    if (!(resolved.model instanceof BertForMaskedLM))
      throw unsupportedModel(
        'fill-mask',
        'a masked language model (BertForMaskedLM)',
        resolved,
        resolved.model.typeName.startsWith('GPT2') ? 'a causal LM: use text-generation' : 'no masked-LM head',
      );
    const tokenizer = requireTokenizer(resolved, 'fill-mask');
    if (tokenizer.maskTokenId === undefined)
      throw new TaskError(
        'TASK_UNSUPPORTED_MODEL',
        `fill-mask needs a tokenizer with a mask token; the tokenizer of '${resolved.name}' has none`,
      );
    super(resolved, options, tokenizer);
    this.model = resolved.model;
    this.maskTokenId = tokenizer.maskTokenId;
  }

  /** The mask token as written in text (`[MASK]` for BERT). */
  get maskToken(): string {
    return this.tokenizer.idToToken(this.maskTokenId)!;
  }

  private targetIds(targets: string | string[]): number[] {
    const ids: number[] = [];
    for (const target of typeof targets === 'string' ? [targets] : targets) {
      let id = this.tokenizer.tokenToId(target);
      if (id === undefined) {
        const pieces = this.tokenizer.encode(target, { addSpecialTokens: false });
        if (pieces.length === 0) {
          this.note(`target '${target}' encodes to no token: left out`);
          continue;
        }
        id = pieces[0]!;
        this.note(
          `target '${target}' is not one token of the vocabulary: scored as its first token '${this.tokenizer.idToToken(id)}'`,
        );
      }
      if (!ids.includes(id)) ids.push(id);
    }
    if (ids.length === 0)
      throw new TaskError(
        'TASK_BAD_OPTIONS',
        'invalid fill-mask options: targets: no target maps to a token',
      );
    return ids;
  }

  run(input: string, options?: FillMaskOptions): Promise<FillMaskOutput>;
  run(inputs: readonly string[], options?: FillMaskOptions): Promise<FillMaskOutput[]>;
  async run(
    inputs: string | readonly string[],
    options: FillMaskOptions = {},
  ): Promise<FillMaskOutput | FillMaskOutput[]> {
    this.checkUsable();
    const opts = parseOptions(fillMaskOptionsSchema, options, 'fill-mask options');
    const targets = opts.targets === undefined ? null : this.targetIds(opts.targets);
    const topK = targets ? Math.min(opts.topK, targets.length) : opts.topK;
    const { list, single } = asList(inputs);
    const rows = encodeTexts(this.tokenizer, list, maxPositions(this.model), (m) => this.note(m));
    const maskPositions = rows.map((row, i) => {
      const positions = row.ids.flatMap((id, p) => (id === this.maskTokenId ? [p] : []));
      if (positions.length === 0) {
        const text = String(list[i]);
        const cut = row.fullLength > row.ids.length && text.includes(this.maskToken);
        throw new TaskError(
          'TASK_BAD_INPUT',
          cut
            ? `input ${i}: its ${this.maskToken} lies past the model's ${row.ids.length} positions`
            : `input ${i} has no ${this.maskToken} token to fill: '${text.length > 60 ? `${text.slice(0, 57)}...` : text}'`,
        );
      }
      return positions;
    });

    const outputs: FillMaskOutput[] = [];
    const backend = modelBackend(this.model);
    let start = 0;
    for (const batch of chunks(rows, this.options.batchSize)) {
      const masks = maskPositions.slice(start, start + batch.length);
      const padded = padBatch(batch, this.tokenizer.padTokenId ?? 0, backend);
      const flat = masks.flatMap((positions, b) => positions.map((p) => b * padded.width + p));
      let probs: Tensor;
      try {
        probs = tidy(() =>
          noGrad(() =>
            inEvalMode(this.model, () => {
              const { logits } = this.model.forward(padded.ids, {
                attentionMask: padded.attentionMask,
                tokenTypeIds: padded.tokenTypeIds,
              }); // (B, T, V)
              const vocab = logits.shape[2]!;
              const rowsAt = indexSelect(
                reshape(logits, [-1, vocab]),
                0,
                tensor(flat, { dtype: 'i32', backend }),
              ); // (M, V)
              const p = softmax(rowsAt, -1);
              return targets ? indexSelect(p, 1, tensor(targets, { dtype: 'i32', backend })) : p; // (M, V or targets)
            }),
          ),
        );
      } finally {
        disposeBatch(padded);
      }
      const width = probs.shape[1]!;
      let values: Float32Array;
      try {
        values = (await probs.data()) as Float32Array;
      } finally {
        probs.dispose();
      }
      let m = 0;
      batch.forEach((row, b) => {
        const perMask = masks[b]!.map((position) => {
          const scores = values.subarray(m * width, (m + 1) * width);
          m++;
          return topIndices(scores, topK).map((index) => {
            const token = targets ? targets[index]! : index;
            const filled = [...row.ids];
            filled[position] = token;
            return {
              score: scores[index]!,
              token,
              tokenStr: this.tokenizer.decode([token]),
              // As transformers: with several masks the others would vanish with the specials, so keep them.
              sequence: this.tokenizer.decode(filled, { skipSpecialTokens: masks[b]!.length === 1 }),
            };
          });
        });
        outputs.push(perMask.length === 1 ? perMask[0]! : perMask);
      });
      start += batch.length;
    }
    return single ? outputs[0]! : outputs;
  }
}

/** `fill-mask` as a function with FillMask's methods. */
export interface FillMaskPipeline extends FillMask {
  (input: string, options?: FillMaskOptions): Promise<FillMaskOutput>;
  (inputs: readonly string[], options?: FillMaskOptions): Promise<FillMaskOutput[]>;
}

export function fillMaskPipeline(
  resolved: ResolvedModel,
  options: ResolvedPipelineOptions,
): FillMaskPipeline {
  return callable<FillMask, FillMaskPipeline>(new FillMask(resolved, options));
}
