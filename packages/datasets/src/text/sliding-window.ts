// Next-token windows over one token stream (the seeds' GPTDatasetV1): window i is
// ids[i·stride, i·stride + maxLength) as input and the same shifted by one as target.
import { z } from 'zod';
import { checkIndex, type Dataset } from '../dataset/dataset.js';
import { DatasetError, parseWith } from '../errors.js';
import { DataLoader } from '../loader/data-loader.js';
import type { Seed } from '../random/rng.js';
import type { TokenEncoder } from './encoder.js';

const windowSchema = z.object({
  maxLength: z.number().int().positive(),
  stride: z.number().int().positive(),
});

export type SlidingWindowOptions = z.input<typeof windowSchema>;

export interface TextWindow {
  input: Int32Array;
  target: Int32Array;
}

export class SlidingWindowDataset implements Dataset<TextWindow> {
  readonly ids: Int32Array;
  readonly maxLength: number;
  readonly stride: number;
  readonly length: number;

  constructor(ids: ArrayLike<number>, options: SlidingWindowOptions) {
    const o = parseWith(windowSchema, options, 'SlidingWindowDataset options');
    this.ids = Int32Array.from(ids);
    this.maxLength = o.maxLength;
    this.stride = o.stride;
    // Python's range(0, len(ids) - max_length, stride): every start leaves room for the target's last id.
    const span = this.ids.length - o.maxLength;
    this.length = span > 0 ? Math.ceil(span / o.stride) : 0;
    if (this.length === 0) {
      throw new DatasetError(
        `SlidingWindowDataset: ${this.ids.length} tokens make no window; one needs maxLength + 1 = ${o.maxLength + 1}`,
      );
    }
  }

  /** Encodes `text` with `encoder` and windows the ids. */
  static fromText(text: string, encoder: TokenEncoder, options: SlidingWindowOptions): SlidingWindowDataset {
    if (text.length === 0) throw new DatasetError('SlidingWindowDataset: the text is empty');
    return new SlidingWindowDataset(encoder.encode(text), options);
  }

  get(index: number): TextWindow {
    checkIndex(index, this.length, 'SlidingWindowDataset');
    const start = index * this.stride;
    return {
      input: this.ids.subarray(start, start + this.maxLength),
      target: this.ids.subarray(start + 1, start + this.maxLength + 1),
    };
  }
}

export interface TextLoaderOptions {
  batchSize?: number;
  maxLength?: number;
  stride?: number;
  shuffle?: boolean;
  dropLast?: boolean;
  seed?: Seed;
  prefetch?: number;
}

/**
 * The seeds' create_dataloader_v1: windows over `encoder.encode(text)` in a DataLoader
 * (defaults batch 4, maxLength 256, stride 128, shuffle, dropLast) giving
 * `{ input, target }` as [B, maxLength] i32 tensors.
 */
export function createTextLoader(
  text: string,
  encoder: TokenEncoder,
  options: TextLoaderOptions = {},
): DataLoader<TextWindow> {
  const dataset = SlidingWindowDataset.fromText(text, encoder, {
    maxLength: options.maxLength ?? 256,
    stride: options.stride ?? 128,
  });
  return new DataLoader(dataset, {
    batchSize: options.batchSize ?? 4,
    shuffle: options.shuffle ?? true,
    dropLast: options.dropLast ?? true,
    seed: options.seed ?? 0,
    prefetch: options.prefetch ?? 2,
  });
}
