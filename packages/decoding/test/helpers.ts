// Test fixtures: a small GPT with weights spread wide enough that greedy decoding does
// not collapse onto one token, and an independent greedy reference (minGPT's loop on
// nn's own GPT2LMHeadModel.forward with the argmax taken in plain JS).
import { GPT2LMHeadModel, gptConfig } from '@tensorlm/nn';
import { noGrad, randn, tensor, tidy } from '@tensorlm/tensor-core';

export interface TinyGptOptions {
  vocabSize?: number;
  blockSize?: number;
  seed?: number;
  /** Dropout probability everywhere (default 0). */
  dropout?: number;
}

/** gpt-nano shape (3 layers, 3 heads, 48 wide), no dropout, N(0, 0.3²)-ish weights. */
export function tinyGpt(options: TinyGptOptions = {}): GPT2LMHeadModel {
  const config = gptConfig('gpt-nano', {
    vocabSize: options.vocabSize ?? 37,
    blockSize: options.blockSize ?? 64,
    embdPdrop: options.dropout ?? 0,
    residPdrop: options.dropout ?? 0,
    attnPdrop: options.dropout ?? 0,
  });
  const model = new GPT2LMHeadModel(config).eval();
  const seed = options.seed ?? 7;
  noGrad(() => {
    model.namedParameters().forEach(([name, p], i) => {
      tidy(() => {
        const noise = randn(p.shape, { seed: seed * 1000 + i, std: 0.3 });
        p.assign(/ln_\w+\.weight/.test(name) ? noise.add(1) : noise);
      });
    });
  });
  return model;
}

export function argmaxOf(values: ArrayLike<number>, from = 0, to = values.length): number {
  let best = from;
  for (let i = from + 1; i < to; i++) if (values[i]! > values[best]!) best = i;
  return best - from;
}

/**
 * minGPT's generate, greedy: crop to the last blockSize tokens, full forward, argmax of
 * the last row — with Hugging Face's repetition penalty over the whole sequence if given.
 */
export async function referenceGreedy(
  model: GPT2LMHeadModel,
  prompt: readonly number[],
  steps: number,
  repetitionPenalty = 1,
) {
  const { blockSize, vocabSize } = model.config;
  const seq = [...prompt];
  for (let i = 0; i < steps; i++) {
    const window = seq.slice(-blockSize);
    const logits = noGrad(() => tidy(() => model.forward(tensor([window], { dtype: 'i32' })).logits));
    const values = await logits.data();
    logits.dispose();
    const row = Array.from(values.subarray((window.length - 1) * vocabSize, window.length * vocabSize));
    for (const id of new Set(seq))
      row[id] = row[id]! < 0 ? row[id]! * repetitionPenalty : row[id]! / repetitionPenalty;
    seq.push(argmaxOf(row));
  }
  return seq;
}
