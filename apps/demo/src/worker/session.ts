// One training session in the worker: the grammar GPT, AdamW and the seeded grammar
// batches, trained step by step with the CLI's loss convention (`train grammar`: pad
// positions count in the mean); plus the figures the views show — held-out loss, sampled
// sentences and how many the grammar's parser accepts, the embeddings' PCA and k-means
// clusters — and generation with each token's probability and the top alternatives.
import { Grammar, GrammarSampler, SEED_GRAMMAR } from '@tensorlm/datasets';
import { generateStream } from '@tensorlm/decoding';
import { GPT2LMHeadModel } from '@tensorlm/nn';
import { disposeTensors, manualSeed, noGrad, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import {
  AdamW,
  type BatchSource,
  causalLmLoss,
  kmeans,
  measureLmLosses,
  tokenBatchSource,
} from '@tensorlm/trainer';
import { pca2 } from '../analysis/pca.js';
import { GRAMMAR_MODEL, SENTENCE_LENGTH, type TrainSettings } from '../state/settings.js';
import type { Alternative, EmbeddingPoint, GenerateRequest } from './protocol.js';

/** The CLI's sampling setup for its grammar check: from "the dog", top-p 0.9, temperature 0.7. */
const SAMPLE_PROMPT = 'the dog';
const SAMPLE_COUNT = 24;
/** k of the CLI's embedding clusters. */
const CLUSTERS = 7;

export interface StepReport {
  step: number;
  loss: number;
  tokens: number;
  ms: number;
}

export class Session {
  readonly grammar = new Grammar(SEED_GRAMMAR);
  readonly model: GPT2LMHeadModel;
  private readonly optimizer: AdamW;
  private readonly train: BatchSource<Tensor>;
  private valBatch: Tensor | null = null;
  private readonly loss = causalLmLoss({ padId: 0, padPositions: 'included' });
  step = 0;
  tokensSeen = 0;

  /** Builds the model, optimizer and data on the current backend. */
  static async create(settings: TrainSettings): Promise<Session> {
    const session = new Session(settings);
    // One fixed held-out batch (another seed, as the CLI's validation source).
    session.valBatch = await session.source(settings.seed + 1_000_003).next();
    return session;
  }

  private source(seed: number): BatchSource<Tensor> {
    return tokenBatchSource({
      sample: (n, s) => new GrammarSampler({ seed: s }).batch(n),
      batchSize: this.settings.batch,
      length: SENTENCE_LENGTH,
      seed,
    });
  }

  private constructor(readonly settings: TrainSettings) {
    manualSeed(settings.seed);
    this.model = new GPT2LMHeadModel({
      vocabSize: GRAMMAR_MODEL.vocabSize,
      blockSize: GRAMMAR_MODEL.blockSize,
      nEmbd: settings.width,
      nLayer: settings.layers,
      nHead: settings.heads,
    });
    // The CLI's optimizer: torch.optim.AdamW defaults, weight decay on every parameter.
    this.optimizer = new AdamW(this.model.parameters(), {
      lr: settings.lr,
      betas: [0.9, 0.999],
      weightDecay: 0.01,
    });
    this.train = this.source(settings.seed);
  }

  get parameters(): number {
    return this.model.numParameters();
  }

  /** One optimizer step on the next batch. */
  async trainStep(): Promise<StepReport> {
    const t0 = performance.now();
    this.model.train();
    const batch = await this.train.next();
    try {
      const loss = tidy(() => {
        const l = this.loss(this.model, batch);
        l.backward();
        return l.detach();
      });
      const value = await loss.item();
      loss.dispose();
      if (!Number.isFinite(value)) {
        this.optimizer.zeroGrad();
        throw new Error(
          `the loss became ${value} at step ${this.step + 1}; lower the learning rate and reset`,
        );
      }
      this.optimizer.step();
      this.optimizer.zeroGrad();
      this.step += 1;
      const tokens = batch.size;
      this.tokensSeen += tokens;
      return { step: this.step, loss: value, tokens, ms: performance.now() - t0 };
    } finally {
      disposeTensors(batch);
    }
  }

  /** The held-out loss, pad positions included (the figure the training loss is). */
  async validationLoss(): Promise<number> {
    if (!this.valBatch) throw new Error('the session is not ready');
    return (await measureLmLosses(this.model, this.valBatch, { padId: 0 })).padIncluded;
  }

  /** Sentences sampled from "the dog" and how many the grammar accepts. */
  async samples(): Promise<{ sentences: string[]; accepted: number }> {
    this.model.eval();
    const prompt = this.grammar.encode(SAMPLE_PROMPT, false);
    const stream = generateStream(this.model, [prompt], {
      maxNewTokens: SENTENCE_LENGTH - prompt.length,
      doSample: true,
      temperature: 0.7,
      topP: 0.9,
      numReturnSequences: SAMPLE_COUNT,
      seed: this.settings.seed + this.step,
      eosTokenId: this.grammar.endId,
    });
    let result = await stream.next();
    while (!result.done) result = await stream.next();
    const sequences = result.value.sequences;
    const words = (ids: number[]) => this.grammar.decode(ids.filter((id) => id >= 2)).join(' ');
    return {
      sentences: sequences.map(words),
      accepted: sequences.filter((s) => this.grammar.acceptsIds(s)).length,
    };
  }

  /** The words' embeddings on their two principal axes, and k-means clusters of them. */
  async embeddings(): Promise<{
    points: EmbeddingPoint[];
    clusters: string[][];
    explained: [number, number];
  }> {
    const weight = this.model.transformer.wte.weight;
    const copy = noGrad(() => weight.detach());
    const values = (await copy.data()) as Float32Array;
    const dim = weight.shape[1]!;
    const category = new Map<string, string>();
    for (const [pos, list] of Object.entries(this.grammar.spec.words))
      for (const word of list) if (!category.has(word)) category.set(word, pos);
    // Only the words: [Pad] and [End] are not parts of speech.
    const words = this.grammar.vocab.map((word, id) => ({ word, id })).filter(({ id }) => id >= 2);
    const rows = words.map(({ id }) => values.slice(id * dim, (id + 1) * dim));
    const { points, explained } = pca2(rows);
    const { labels } = kmeans(rows, { k: CLUSTERS, seed: this.settings.seed });
    const clusters: string[][] = Array.from({ length: CLUSTERS }, () => []);
    for (const [i, label] of labels.entries()) clusters[label]!.push(words[i]!.word);
    return {
      points: words.map(({ word }, i) => ({
        word,
        pos: category.get(word) ?? '?',
        x: points[i]![0],
        y: points[i]![1],
      })),
      clusters: clusters.filter((c) => c.length > 0),
      explained,
    };
  }

  /** The prompt's ids; an unknown word is an error naming it and listing the vocabulary. */
  encodePrompt(prompt: string): number[] {
    const words = prompt.trim().split(/\s+/).filter(Boolean);
    const unknown = words.filter((w) => !this.grammar.vocab.includes(w) || w.startsWith('['));
    if (unknown.length > 0) {
      throw new Error(
        `${unknown.map((w) => `'${w}'`).join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not in the grammar's vocabulary; ` +
          `the model knows: ${this.grammar.vocab.slice(2).join(' ')}`,
      );
    }
    return this.grammar.encode(words, false);
  }

  /**
   * Streams a continuation of `prompt`: for each new token, its probability under the
   * model (softmax of the logits at temperature 1, before top-k / top-p) and the five
   * most likely tokens at that position.
   */
  async *generate(
    request: GenerateRequest,
  ): AsyncGenerator<{ token: string; prob: number; alternatives: Alternative[] }, 'eos' | 'length'> {
    const prompt = this.encodePrompt(request.prompt);
    if (prompt.length === 0) throw new Error('give a prompt of at least one word, e.g. "the dog"');
    const room = GRAMMAR_MODEL.blockSize - prompt.length;
    this.model.eval();
    const stream = generateStream(this.model, [prompt], {
      maxNewTokens: Math.max(0, Math.min(request.maxNewTokens, room)),
      doSample: request.doSample,
      temperature: request.temperature,
      topK: request.doSample && request.topK > 0 ? request.topK : null,
      topP: request.doSample ? request.topP : 1,
      seed: request.seed,
      eosTokenId: request.stopAtEnd ? this.grammar.endId : null,
    });
    const sequence = [...prompt];
    let result = await stream.next();
    while (!result.done) {
      const id = result.value.tokens[0]!;
      const probs = await this.nextTokenProbs(sequence);
      sequence.push(id);
      const ranked = [...probs.keys()].sort((a, b) => probs[b]! - probs[a]!).slice(0, 5);
      yield {
        token: this.grammar.vocab[id] ?? `#${id}`,
        prob: probs[id]!,
        alternatives: ranked.map((i) => ({ token: this.grammar.vocab[i]!, prob: probs[i]! })),
      };
      result = await stream.next();
    }
    return result.value.finishReasons[0]!;
  }

  /** The model's next-token distribution after `ids` (eval mode, no gradients). */
  private async nextTokenProbs(ids: number[]): Promise<Float64Array> {
    const last = tidy(() => {
      const input = tensor([ids], { dtype: 'i32' });
      const logits = noGrad(() => this.model.forward(input).logits);
      return logits.slice([null, [ids.length - 1, ids.length], null]);
    });
    const values = await last.data();
    last.dispose();
    const max = Math.max(...values);
    const exps = Float64Array.from(values, (v) => Math.exp(v - max));
    const total = exps.reduce((s, v) => s + v, 0);
    return exps.map((v) => v / total);
  }

  dispose(): void {
    this.valBatch?.dispose();
    this.optimizer.dispose();
    this.model.dispose();
  }
}
