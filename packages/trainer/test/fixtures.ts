// Small, fast models and data for the trainer tests: a one-layer GPT over a 13-token
// "counting" language (each sequence counts up from a random start, mod 13), which a
// tiny model learns within a few dozen steps (id 0 is reserved for padding), and a linear-regression module whose
// forward returns { loss } (the non-GPT path).
import { GPT2LMHeadModel, Linear, Module } from '@tensorlm/nn';
import { manualSeed, mean, square, sub, type Tensor } from '@tensorlm/tensor-core';
import { type IndexedBatchSource, tokenBatchSource } from '../src/data/batch-source.js';

export const VOCAB = 13;

export function tinyGpt(seed: number, dropout = 0.1): GPT2LMHeadModel {
  manualSeed(seed);
  return new GPT2LMHeadModel({
    vocabSize: VOCAB,
    blockSize: 16,
    nEmbd: 16,
    nLayer: 1,
    nHead: 2,
    embdPdrop: dropout,
    residPdrop: dropout,
    attnPdrop: dropout,
  });
}

/** Rows counting up through ids 1…12 (0 is padding, never used) from a start drawn with a tiny LCG. */
export function countingRows(count: number, seed: number, length: number): number[][] {
  let s = seed >>> 0;
  return Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const start = s % (VOCAB - 1);
    return Array.from({ length }, (_, i) => ((start + i) % (VOCAB - 1)) + 1);
  });
}

export function countingSource(seed: number, batchSize = 4, length = 8): IndexedBatchSource<Tensor> {
  return tokenBatchSource({
    sample: (n, s) => countingRows(n, s, length),
    batchSize,
    length,
    padId: 0,
    seed,
  });
}

/** y = x·w + b as a module whose forward takes { x, y } and returns { loss } (MSE). */
export class Regression extends Module {
  readonly linear: Linear;
  constructor() {
    super();
    this.linear = this.addModule('linear', new Linear(3, 1));
  }
  forward(batch: { x: Tensor; y: Tensor }): { loss: Tensor } {
    return { loss: mean(square(sub(this.linear.forward(batch.x), batch.y))) };
  }
}
