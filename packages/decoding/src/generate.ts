// The decoding loop, as Hugging Face's `generate` and minGPT's `generate`: prompts are
// left-padded into one batch (attention mask + position ids, so each row sees exactly
// what it would see alone), the window is cropped to the model's block size, and with
// the KV cache each step feeds one position per row. Once the window would pass the
// block size the cache is dropped and the cropped window is recomputed every step,
// because learned positions shift with the crop (minGPT's semantics, exactly).
//
// Per step: one forward inside `tidy`, one small readback (the chosen ids, for EOS and
// streaming); every intermediate is freed, and the old cache as soon as the new one exists.
import type { GPT2LMHeadModel } from '@tensorlm/nn';
import {
  type Backend,
  forEachTensor,
  getBackend,
  listBackends,
  narrow,
  noGrad,
  reshape,
  type Tensor,
  tensor,
  tidy,
  toBackend,
  where,
} from '@tensorlm/tensor-core';
import { asCausalLM, type CausalLM, disposePast, disposeReplacedPast } from './causal-lm.js';
import { DecodingError } from './errors.js';
import {
  type GenerateOptions,
  type GenerationStep,
  parseGenerateOptions,
  type ResolvedGenerateOptions,
} from './options.js';
import { applyRepetitionPenalty } from './processors.js';
import { type PromptInput, readPrompts } from './prompts.js';
import { sampleNext, stepSeed } from './sampling.js';

export type FinishReason = 'eos' | 'length';

export interface GenerateOutput {
  /** Per returned sequence: its prompt (padding removed) followed by the new tokens. */
  sequences: number[][];
  /** Per returned sequence: the new tokens only, up to and including the EOS that ended it. */
  newTokens: number[][];
  /** 'eos' when the sequence produced an EOS id, 'length' when it ran out of maxNewTokens. */
  finishReasons: FinishReason[];
  /** The prompt each sequence continues (numReturnSequences consecutive rows per prompt). */
  promptIndices: number[];
  /**
   * Hugging Face's layout: one row per sequence, left padding + prompt + new tokens, with
   * padTokenId after a sequence finished; all rows have the same length.
   */
  paddedSequences: number[][];
}

/** A model `generate` accepts: any CausalLM, or nn's GPT2LMHeadModel as is. */
export type GenerationModel = CausalLM | GPT2LMHeadModel;

/** Where inputs for the model go: its own backend if it says, else the current one. */
function modelBackend(lm: CausalLM): Backend {
  return lm.backend ?? getBackend();
}

interface Batch {
  /** Left padding of each row. */
  pads: number[];
  /** Each row without its padding: prompt, then every token emitted (pads after finishing). */
  rows: number[][];
}

interface StepInput {
  ids: Int32Array;
  width: number;
  mask: Int32Array | null;
  positions: Int32Array | null;
}

/**
 * The last `block` columns of the left-padded matrix (all of it when shorter), with an
 * attention mask and positions counted from each row's first real token in the window,
 * or null mask/positions when no row of the window has padding.
 */
function windowInput(batch: Batch, totalWidth: number, block: number, padTokenId: number): StepInput {
  const start = Math.max(0, totalWidth - block);
  const width = totalWidth - start;
  const n = batch.rows.length;
  const ids = new Int32Array(n * width).fill(padTokenId);
  const padded = batch.pads.some((p) => p > start);
  const mask = padded ? new Int32Array(n * width) : null;
  const positions = padded ? new Int32Array(n * width) : null;
  for (let r = 0; r < n; r++) {
    const pad = batch.pads[r]!;
    const row = batch.rows[r]!;
    const firstReal = Math.max(start, pad);
    for (let c = 0; c < width; c++) {
      const col = start + c;
      if (col < pad) continue; // padding: never attended, position 0
      ids[r * width + c] = row[col - pad]!;
      if (mask) mask[r * width + c] = 1;
      if (positions) positions[r * width + c] = col - firstReal;
    }
  }
  return { ids, width, mask, positions };
}

/** One new column: the latest token of each row; mask over the whole (uncropped) matrix. */
function incrementalInput(batch: Batch, totalWidth: number): StepInput {
  const n = batch.rows.length;
  const ids = Int32Array.from(batch.rows, (row) => row.at(-1)!);
  const padded = batch.pads.some((p) => p > 0);
  if (!padded) return { ids, width: 1, mask: null, positions: null };
  const mask = new Int32Array(n * totalWidth);
  const positions = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const pad = batch.pads[r]!;
    mask.fill(1, r * totalWidth + pad, (r + 1) * totalWidth);
    positions[r] = totalWidth - 1 - pad;
  }
  return { ids, width: 1, mask, positions };
}

/** Logits of the last position, (B, V), whatever number of positions the model returned. */
function lastLogits(logits: Tensor, rows: number, vocabSize: number): Tensor {
  if (logits.rank !== 3 || logits.shape[0] !== rows || logits.shape[2] !== vocabSize) {
    throw new DecodingError(
      `the model returned logits of shape [${logits.shape.join(', ')}], expected (${rows}, T, ${vocabSize})`,
    );
  }
  const t = logits.shape[1]!;
  return reshape(t === 1 ? logits : narrow(logits, 1, t - 1, 1), [rows, vocabSize]);
}

/** −∞ on the EOS ids, so that they cannot be picked (minNewTokens). */
function suppress(logits: Tensor, ids: readonly number[]): Tensor {
  const v = logits.shape.at(-1)!;
  const hit = new Uint8Array(v);
  for (const id of ids) hit[id] = 1;
  return where(
    tensor(hit, [v], { dtype: 'bool', backend: logits.backend }),
    Number.NEGATIVE_INFINITY,
    logits,
  );
}

function checkIds(o: ResolvedGenerateOptions, vocabSize: number): number[] {
  const eos = o.eosTokenId === undefined || o.eosTokenId === null ? [] : [o.eosTokenId].flat();
  const named: [string, number][] = eos.map((id) => ['eosTokenId', id]);
  if (o.padTokenId !== undefined && o.padTokenId !== null) named.push(['padTokenId', o.padTokenId]);
  for (const [field, id] of named) {
    if (id >= vocabSize) {
      throw new DecodingError(
        `generate: invalid options: ${field}: ${id} is not below the vocabulary size ${vocabSize}`,
        [field],
      );
    }
  }
  return eos;
}

/**
 * Generates tokens step by step, yielding after each one; returns the full output when
 * done. Breaking out of a `for await` stops generation and frees everything.
 *
 * ```ts
 * for await (const { tokens } of generateStream(model, ids, { maxNewTokens: 50 })) {
 *   process.stdout.write(tokenizer.decode([tokens[0]!]));
 * }
 * ```
 */
export async function* generateStream(
  model: GenerationModel,
  inputIds: PromptInput,
  options: GenerateOptions = {},
): AsyncGenerator<GenerationStep, GenerateOutput, undefined> {
  const o = parseGenerateOptions(options);
  const lm = asCausalLM(model);
  const vocabSize = lm.vocabSize;
  const blockSize = lm.blockSize;
  const eos = checkIds(o, vocabSize);
  const padTokenId = o.padTokenId ?? eos[0] ?? 0;
  const prompts = await readPrompts(inputIds, o.attentionMask, vocabSize);
  const n = o.numReturnSequences;
  const promptIndices = prompts.flatMap((_, i) => new Array<number>(n).fill(i));
  const longest = Math.max(...prompts.map((p) => p.length));
  const batch: Batch = {
    pads: promptIndices.map((i) => longest - prompts[i]!.length),
    rows: promptIndices.map((i) => [...prompts[i]!]),
  };
  const rows = batch.rows.length;
  const newTokens: number[][] = batch.rows.map(() => []);
  const finishReasons: FinishReason[] = new Array(rows).fill('length');
  const finished: boolean[] = new Array(rows).fill(false);
  const backend = modelBackend(lm);
  const sampling = o.doSample && o.temperature > 0;
  // A backend whose top-k / multinomial are slow or limited on vocabulary-long rows
  // (WebGPU's loop over a whole row per invocation) hands the last logits to the CPU.
  const sampleOnCpu =
    sampling && (o.sampleOnCpu ?? (!backend.capabilities.deviceSampling && listBackends().includes('cpu')));

  let cache: unknown = null;
  let cacheWidth = 0; // columns of the padded matrix the cache covers
  // Buffers the model may keep the cache in, appending in place instead of copying: the
  // widest it gets (it is dropped once the window would pass blockSize), but at first no
  // more than twice the prompt or 64 positions — attention reads the whole buffers, so
  // a long generation lets the model double them as they fill (at most about twice the cache).
  const cacheCapacity = Math.min(blockSize, longest + o.maxNewTokens, Math.max(64, 2 * longest));
  try {
    for (let step = 0; step < o.maxNewTokens; step++) {
      o.signal?.throwIfAborted();
      const totalWidth = longest + step;
      const incremental = cache !== null && cacheWidth === totalWidth - 1 && totalWidth <= blockSize;
      if (!incremental && cache !== null) {
        disposePast(lm, cache);
        cache = null;
      }
      const input = incremental
        ? incrementalInput(batch, totalWidth)
        : windowInput(batch, totalWidth, blockSize, padTokenId);
      // Ask for a cache only if the next step can still extend it without cropping.
      const wantCache = o.useCache && totalWidth + 1 <= blockSize && step + 1 < o.maxNewTokens;
      const past = incremental ? cache : null;
      // Hugging Face's logits processors (before the sampling warpers, greedy too).
      const processors = (logits: Tensor): Tensor => {
        let x = logits;
        if (o.repetitionPenalty !== 1) x = applyRepetitionPenalty(x, batch.rows, o.repetitionPenalty);
        if (eos.length > 0 && step < o.minNewTokens) x = suppress(x, eos);
        return x;
      };
      const out = noGrad(() =>
        tidy(() => {
          const ids = tensor(input.ids, [rows, input.width], { dtype: 'i32', backend });
          const maskWidth = incremental ? totalWidth : input.width;
          const result = lm.forward(ids, {
            past,
            useCache: wantCache,
            cacheCapacity,
            attentionMask: input.mask
              ? tensor(input.mask, [rows, maskWidth], { dtype: 'i32', backend })
              : null,
            positionIds: input.positions
              ? tensor(input.positions, [rows, input.width], { dtype: 'i32', backend })
              : null,
            lastOnly: true,
          });
          // The cache outlives this scope whatever it is made of.
          forEachTensor(result.past, (t) => t.keep());
          const logits = lastLogits(result.logits, rows, vocabSize); // (R, V)
          const next = sampleOnCpu ? null : sampleNext(processors(logits), sampleOptions(o, step));
          return { next, logits: sampleOnCpu ? logits : null, past: result.past ?? null };
        }),
      );
      disposeReplacedPast(lm, past, out.past);
      cache = wantCache ? out.past : null;
      if (!wantCache) disposePast(lm, out.past);
      cacheWidth = totalWidth;
      let next = out.next;
      if (out.logits) {
        const logits = out.logits;
        try {
          const onCpu = await toBackend(logits, 'cpu');
          const draw = () => sampleNext(processors(onCpu), sampleOptions(o, step));
          next = noGrad(() => tidy(draw));
          onCpu.dispose();
        } finally {
          logits.dispose();
        }
      }
      let picked: ArrayLike<number>;
      try {
        picked = await next!.data(); // the step's one readback: B ids
      } finally {
        next!.dispose();
      }
      const tokens: number[] = [];
      for (let r = 0; r < rows; r++) {
        const token = finished[r] ? padTokenId : picked[r]!;
        tokens.push(token);
        batch.rows[r]!.push(token);
        if (finished[r]) continue;
        newTokens[r]!.push(token);
        if (eos.includes(token)) {
          finished[r] = true;
          finishReasons[r] = 'eos';
        }
      }
      const event: GenerationStep = { step, tokens, finished: [...finished] };
      if (o.onToken) await o.onToken(event);
      yield event;
      if (finished.every(Boolean)) break;
    }
  } finally {
    disposePast(lm, cache);
  }
  return {
    sequences: promptIndices.map((p, r) => [...prompts[p]!, ...newTokens[r]!]),
    newTokens,
    finishReasons,
    promptIndices,
    paddedSequences: batch.rows.map((row, r) => [
      ...new Array<number>(batch.pads[r]!).fill(padTokenId),
      ...row,
    ]),
  };
}

function sampleOptions(o: ResolvedGenerateOptions, step: number) {
  return {
    doSample: o.doSample,
    temperature: o.temperature,
    topK: o.topK ?? null,
    topP: o.topP,
    ...(o.seed !== undefined ? { seed: stepSeed(o.seed, step) } : {}),
  };
}

/**
 * Generates continuations of one prompt or a batch of prompts (greedy unless `doSample`).
 *
 * ```ts
 * const { sequences } = await generate(model, [464, 3290], { maxNewTokens: 20, doSample: true, topK: 50, seed: 0 });
 * ```
 */
export async function generate(
  model: GenerationModel,
  inputIds: PromptInput,
  options: GenerateOptions = {},
): Promise<GenerateOutput> {
  const stream = generateStream(model, inputIds, options);
  for (;;) {
    const next = await stream.next();
    if (next.done) return next.value;
  }
}
