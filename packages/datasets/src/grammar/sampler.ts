// The seeded sentence stream of the toy-grammar task: encoded sentences ending in
// [End], forever, one at a time, in batches, or as an IterableDataset for a DataLoader.
import { z } from 'zod';
import { parseWith } from '../errors.js';
import { Rng, type Seed } from '../random/rng.js';
import { Grammar } from './grammar.js';
import type { GrammarSpecInput } from './spec.js';

const optionsSchema = z.object({
  seed: z.union([z.number().int(), z.string(), z.array(z.union([z.number().int(), z.string()]))]).default(0),
  maxDepth: z.number().int().nonnegative().default(3),
});

export interface GrammarSamplerOptions {
  /** A Grammar or a grammar spec (default: the seeds' grammar). */
  grammar?: Grammar | GrammarSpecInput;
  seed?: Seed;
  /** Level from which the last alternative is never chosen (default 3, as the seeds). */
  maxDepth?: number;
}

export class GrammarSampler implements Iterable<number[]> {
  readonly grammar: Grammar;
  readonly maxDepth: number;
  private readonly rng: Rng;

  constructor(options: GrammarSamplerOptions = {}) {
    const { grammar, ...rest } = options;
    const o = parseWith(optionsSchema, rest, 'GrammarSampler options');
    this.grammar =
      grammar instanceof Grammar ? grammar : grammar === undefined ? Grammar.seed() : new Grammar(grammar);
    this.maxDepth = o.maxDepth;
    this.rng = new Rng(o.seed);
  }

  /** The next sentence as words (no [End]). */
  sentence(): string[] {
    return this.grammar.sample(this.rng, this.maxDepth);
  }

  /** The next sentence as ids, ending in [End]. */
  next(): number[] {
    return this.grammar.encode(this.sentence());
  }

  /** The next `batchSize` encoded sentences. */
  batch(batchSize: number): number[][] {
    return Array.from({ length: batchSize }, () => this.next());
  }

  /** Batches of encoded sentences, forever. */
  *batches(batchSize: number): Generator<number[][], never> {
    for (;;) yield this.batch(batchSize);
  }

  /** Encoded sentences, forever; every iterator continues the one seeded stream. */
  *[Symbol.iterator](): Generator<number[], never> {
    for (;;) yield this.next();
  }
}
