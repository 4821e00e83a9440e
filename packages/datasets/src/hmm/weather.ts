// The LxMLS weather data set: a hidden Markov model over weather states that emit
// activities. Each example is the observations followed by the states, as next-token
// pairs whose targets are -1 (no loss) until the model has read every observation.
import { z } from 'zod';
import { checkIndex, type Dataset } from '../dataset/dataset.js';
import { DatasetError, parseWith } from '../errors.js';
import { hashSeed, Rng, type Seed } from '../random/rng.js';

const probabilityRow = z.array(z.number().min(0).max(1)).min(1);

const hmmSchema = z.object({
  observations: z.array(z.string().min(1)).min(1),
  states: z.array(z.string().min(1)).min(1),
  initial: probabilityRow,
  transition: z.array(probabilityRow),
  emission: z.array(probabilityRow),
});

export type HmmSpec = z.input<typeof hmmSchema>;

/**
 * The seed's fixed probabilities ("easier to learn and reproduce"), with the vocabulary
 * sorted alphabetically as the seed does: observations clean read shop tennis walk,
 * states rainy snowy sunny (ids 5, 6, 7 after the observations).
 */
export const SEED_WEATHER_HMM: HmmSpec = {
  observations: ['clean', 'read', 'shop', 'tennis', 'walk'],
  states: ['rainy', 'snowy', 'sunny'],
  initial: [0.6, 0.3, 0.1],
  transition: [
    [0.1, 0.6, 0.3],
    [0.4, 0.2, 0.4],
    [0.7, 0.25, 0.05],
  ],
  emission: [
    [0.5, 0, 0.3, 0.15, 0.05],
    [0, 0.1, 0.3, 0.4, 0.2],
    [0.2, 0.4, 0.1, 0, 0.3],
  ],
};

function checkRows(
  name: string,
  rows: readonly (readonly number[])[],
  width: number,
  labels: readonly string[],
): void {
  rows.forEach((row, i) => {
    if (row.length !== width) {
      throw new DatasetError(
        `weather HMM: ${name} row ${i} (${labels[i]}) has ${row.length} entries, expected ${width}`,
      );
    }
    const total = row.reduce((a, b) => a + b, 0);
    if (Math.abs(total - 1) > 1e-6) {
      throw new DatasetError(`weather HMM: ${name} row ${i} (${labels[i]}) sums to ${total}, not 1`);
    }
  });
}

/** Validates an HMM: shapes agree with the vocabularies and every distribution sums to 1. */
export function parseHmm(input: unknown): z.output<typeof hmmSchema> {
  const hmm = parseWith(hmmSchema, input, 'weather HMM');
  const S = hmm.states.length;
  const O = hmm.observations.length;
  if (hmm.initial.length !== S) {
    throw new DatasetError(`weather HMM: initial has ${hmm.initial.length} entries for ${S} states`);
  }
  checkRows('initial', [hmm.initial], S, ['initial']);
  if (hmm.transition.length !== S)
    throw new DatasetError(`weather HMM: transition has ${hmm.transition.length} rows for ${S} states`);
  if (hmm.emission.length !== S)
    throw new DatasetError(`weather HMM: emission has ${hmm.emission.length} rows for ${S} states`);
  checkRows('transition', hmm.transition, S, hmm.states);
  checkRows('emission', hmm.emission, O, hmm.states);
  return hmm;
}

const optionsSchema = z.object({
  split: z.enum(['train', 'test']).default('train'),
  seqLen: z.number().int().min(2).default(6),
  size: z.number().int().positive().default(10_000),
  seed: z.union([z.number().int(), z.string(), z.array(z.union([z.number().int(), z.string()]))]).default(0),
  ignoreIndex: z.number().int().default(-1),
});

export type WeatherOptions = z.input<typeof optionsSchema> & { hmm?: HmmSpec };

export interface WeatherSequence {
  /** Observation ids (0 … observations − 1). */
  observations: number[];
  /** State ids, offset by the number of observations (as the seed's vocabulary). */
  states: number[];
}

export interface WeatherExample {
  /** observations ++ states without the last: 2·seqLen − 1 ids. */
  input: Int32Array;
  /** The same shifted by one; ignoreIndex where the next token is still an observation. */
  target: Int32Array;
}

/**
 * Example i is drawn from its own seeded stream, so `get(i)` is deterministic and
 * random access works. As the seed: the sequence's first state is drawn from the
 * transition out of a state drawn from `initial` (which is not emitted), and an example
 * belongs to the test split when a hash of its observations is 0 mod 4 (rejection
 * sampling until the split matches); the seed's Python hash() was unseeded, ours is fixed.
 */
export class WeatherHmmDataset implements Dataset<WeatherExample> {
  readonly hmm: z.output<typeof hmmSchema>;
  readonly split: 'train' | 'test';
  readonly seqLen: number;
  readonly length: number;
  readonly ignoreIndex: number;
  private readonly seed: Seed;

  constructor(options: WeatherOptions = {}) {
    const { hmm, ...rest } = options;
    const o = parseWith(optionsSchema, rest, 'WeatherHmmDataset options');
    this.hmm = parseHmm(hmm ?? SEED_WEATHER_HMM);
    this.split = o.split;
    this.seqLen = o.seqLen;
    this.length = o.size;
    this.seed = o.seed;
    this.ignoreIndex = o.ignoreIndex;
  }

  /** Observations then states: the model's vocabulary. */
  get vocabSize(): number {
    return this.hmm.observations.length + this.hmm.states.length;
  }

  /** The model's context: 2·seqLen − 1. */
  get blockSize(): number {
    return 2 * this.seqLen - 1;
  }

  /** One sequence from the HMM, drawn with `rng`. */
  generate(rng: Rng): WeatherSequence {
    let state = rng.categorical(this.hmm.initial);
    const observations: number[] = [];
    const states: number[] = [];
    const offset = this.hmm.observations.length;
    while (observations.length < this.seqLen) {
      state = rng.categorical(this.hmm.transition[state]!);
      states.push(state + offset);
      observations.push(rng.categorical(this.hmm.emission[state]!));
    }
    return { observations, states };
  }

  /** 'test' for a quarter of the observation sequences (a fixed FNV-1a hash), else 'train'. */
  static splitOf(observations: readonly number[]): 'train' | 'test' {
    let h = 0x811c9dc5;
    for (const o of observations) h = Math.imul(h ^ (o & 0xff), 0x01000193);
    return (h >>> 0) % 4 === 0 ? 'test' : 'train';
  }

  /** The raw sequence of example `index` (before formatting). */
  sequence(index: number): WeatherSequence {
    checkIndex(index, this.length, 'WeatherHmmDataset');
    const rng = new Rng([hashSeed(this.seed), 'weather', index]);
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const seq = this.generate(rng);
      if (WeatherHmmDataset.splitOf(seq.observations) === this.split) return seq;
    }
    throw new DatasetError(
      `WeatherHmmDataset: no ${this.split} sequence in 10000 draws; the HMM is too narrow`,
    );
  }

  get(index: number): WeatherExample {
    const { observations, states } = this.sequence(index);
    const all = [...observations, ...states];
    const input = Int32Array.from(all.slice(0, -1));
    const target = Int32Array.from(all.slice(1));
    target.fill(this.ignoreIndex, 0, this.seqLen - 1);
    return { input, target };
  }

  decodeObservations(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (id) => this.hmm.observations[id] ?? `<${id}?>`);
  }

  decodeStates(ids: ArrayLike<number>): string[] {
    const offset = this.hmm.observations.length;
    return Array.from(ids, (id) => this.hmm.states[id - offset] ?? `<${id}?>`);
  }
}
