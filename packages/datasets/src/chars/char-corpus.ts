// Karpathy's character-level corpus: encode the text with its char vocabulary, keep the
// first 90% of ids for training and the rest for validation, and serve random
// (seeded) blockSize windows as (x, y = x shifted by one) batches.
import { type Tensor, tensor } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { DatasetError, parseWith } from '../errors.js';
import { deriveSeed, Rng } from '../random/rng.js';
import { CharVocab } from './char-vocab.js';

const optionsSchema = z.object({
  blockSize: z.number().int().positive(),
  batchSize: z.number().int().positive(),
  trainFraction: z.number().gt(0).lt(1).default(0.9),
  seed: z.union([z.number().int(), z.string(), z.array(z.union([z.number().int(), z.string()]))]).default(0),
});

export type CharCorpusOptions = z.input<typeof optionsSchema> & { vocab?: CharVocab };

export type CorpusSplit = 'train' | 'val';

export interface CharWindows {
  /** batchSize rows of blockSize ids. */
  x: Int32Array[];
  y: Int32Array[];
  /** The start offset of each window in its split. */
  starts: number[];
}

export class CharCorpus {
  readonly vocab: CharVocab;
  readonly train: Int32Array;
  readonly val: Int32Array;
  readonly blockSize: number;
  readonly batchSize: number;
  // One stream per split, so how often you evaluate never changes the training batches.
  private readonly rngs: Record<CorpusSplit, Rng>;

  constructor(text: string, options: CharCorpusOptions) {
    const { vocab, ...rest } = options;
    const o = parseWith(optionsSchema, rest, 'CharCorpus options');
    if (text.length === 0) throw new DatasetError('CharCorpus: the corpus is empty');
    this.vocab = vocab ?? CharVocab.fromText(text);
    const data = Int32Array.from(this.vocab.encode(text));
    const n = Math.floor(o.trainFraction * data.length);
    this.train = data.subarray(0, n);
    this.val = data.subarray(n);
    this.blockSize = o.blockSize;
    this.batchSize = o.batchSize;
    for (const [name, part] of [
      ['train', this.train],
      ['val', this.val],
    ] as const) {
      if (part.length <= o.blockSize) {
        throw new DatasetError(
          `CharCorpus: the ${name} split has ${part.length} characters; blockSize ${o.blockSize} needs at least ${o.blockSize + 1}`,
        );
      }
    }
    this.rngs = { train: new Rng(deriveSeed(o.seed, 'train')), val: new Rng(deriveSeed(o.seed, 'val')) };
  }

  private split(split: CorpusSplit): Int32Array {
    if (split !== 'train' && split !== 'val') {
      throw new DatasetError(`CharCorpus: split must be 'train' or 'val', got '${String(split)}'`);
    }
    return split === 'train' ? this.train : this.val;
  }

  /** Random windows as plain arrays (starts uniform in [0, len − blockSize), as torch.randint). */
  sampleWindows(split: CorpusSplit): CharWindows {
    const data = this.split(split);
    const rng = this.rngs[split];
    const starts = Array.from({ length: this.batchSize }, () => rng.int(data.length - this.blockSize));
    return {
      starts,
      x: starts.map((i) => data.slice(i, i + this.blockSize)),
      y: starts.map((i) => data.slice(i + 1, i + this.blockSize + 1)),
    };
  }

  /** Karpathy's get_batch: `{ x, y }` as [batchSize, blockSize] i32 tensors (the caller disposes them). */
  getBatch(split: CorpusSplit): { x: Tensor; y: Tensor } {
    const { x, y } = this.sampleWindows(split);
    const shape = [this.batchSize, this.blockSize];
    const flat = (rows: Int32Array[]) => {
      const out = new Int32Array(this.batchSize * this.blockSize);
      rows.forEach((row, b) => {
        out.set(row, b * this.blockSize);
      });
      return out;
    };
    return { x: tensor(flat(x), shape, { dtype: 'i32' }), y: tensor(flat(y), shape, { dtype: 'i32' }) };
  }
}
