// text-generation: prompts in, continuations out, through @tensorlm/decoding — greedy or
// sampled (temperature → top-k → top-p), repetition penalty, several sequences per prompt,
// a seed, stop strings — with defaults from the model's generation_config.json, and a
// stream of text pieces for one prompt. Text is always decoded from all ids so far (never
// token by token), so a character split across byte-level tokens is only emitted whole.
import { type GenerateOptions, generateStream, parseGenerateOptions } from '@tensorlm/decoding';
import { GPT2LMHeadModel } from '@tensorlm/nn';
import { z } from 'zod';
import {
  BasePipeline,
  callable,
  type ResolvedPipelineOptions,
  requireTokenizer,
  unsupportedModel,
} from './base.js';
import { asList } from './encode.js';
import { parseOptions, TaskError } from './errors.js';
import type { ResolvedModel } from './model-source.js';

const isFunction = (v: unknown): boolean => typeof v === 'function';

export const textGenerationOptionsSchema = z.strictObject({
  /** New tokens at most. Default: generation_config's max_new_tokens, else 20 (decoding's). */
  maxNewTokens: z.number().int().min(0).optional(),
  minNewTokens: z.number().int().min(0).optional(),
  /** Sample (true) or take the most likely token (false). Default: generation_config's do_sample, else false. */
  doSample: z.boolean().optional(),
  temperature: z.number().min(0).optional(),
  topK: z.number().int().min(1).nullable().optional(),
  topP: z.number().gt(0).max(1).optional(),
  repetitionPenalty: z.number().gt(0).optional(),
  /** Sequences per prompt (needs doSample). */
  numReturnSequences: z.number().int().min(1).optional(),
  seed: z.number().int().min(0).optional(),
  /** Text that ends a sequence; the returned text stops before it. */
  stop: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  /** Token id(s) that end a sequence; default the tokenizer's EOS, else generation_config's; null: none. */
  eosTokenId: z
    .union([z.number().int().min(0), z.array(z.number().int().min(0))])
    .nullable()
    .optional(),
  /** The prompt followed by the new text (default), or the new text only. */
  returnFullText: z.boolean().default(true),
  useCache: z.boolean().optional(),
  signal: z
    .custom<AbortSignal>((v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal)
    .optional(),
  /** Hears each step's new tokens (one per sequence), as decoding's onToken. */
  onToken: z.custom<(step: { step: number; tokens: number[] }) => void>(isFunction).optional(),
});
export type TextGenerationOptions = z.input<typeof textGenerationOptionsSchema>;
type Resolved = z.output<typeof textGenerationOptionsSchema>;

export interface GeneratedText {
  generatedText: string;
  /** 'eos': an end token; 'stop': a stop string; 'length': maxNewTokens ran out. */
  finishReason: 'eos' | 'stop' | 'length';
}

/** generation_config.json keys → decoding's options (those that are set and valid). */
const CONFIG_KEYS: Record<string, keyof GenerateOptions> = {
  max_new_tokens: 'maxNewTokens',
  min_new_tokens: 'minNewTokens',
  do_sample: 'doSample',
  temperature: 'temperature',
  top_k: 'topK',
  top_p: 'topP',
  repetition_penalty: 'repetitionPenalty',
  num_return_sequences: 'numReturnSequences',
};

/** Where the text must stop: the earliest stop string in `text`, or -1. */
function stopAt(text: string, stops: readonly string[]): number {
  let at = -1;
  for (const s of stops) {
    const i = text.indexOf(s);
    if (i >= 0 && (at < 0 || i < at)) at = i;
  }
  return at;
}

/** How much of `text`'s end could still grow into a stop string (held back while streaming). */
function pendingStop(text: string, stops: readonly string[]): number {
  let keep = 0;
  for (const s of stops)
    for (let n = Math.min(s.length - 1, text.length); n > keep; n--)
      if (text.endsWith(s.slice(0, n))) {
        keep = n;
        break;
      }
  return keep;
}

interface Row {
  prompt: number;
  ids: number[];
  done: boolean;
  reason: GeneratedText['finishReason'];
  /** The new text, final once done. */
  text: string;
}

export class TextGeneration extends BasePipeline {
  readonly task = 'text-generation' as const;
  override readonly model: GPT2LMHeadModel;

  constructor(resolved: ResolvedModel, options: ResolvedPipelineOptions) {
    if (!(resolved.model instanceof GPT2LMHeadModel))
      throw unsupportedModel(
        'text-generation',
        'a causal language model (GPT2LMHeadModel)',
        resolved,
        resolved.model.typeName.startsWith('Bert') ? 'an encoder: use fill-mask or feature-extraction' : '',
      );
    super(resolved, options, requireTokenizer(resolved, 'text-generation'));
    this.model = resolved.model;
  }

  /** generation_config.json's defaults, under the caller's options. */
  private configDefaults(): GenerateOptions {
    const config = this.resolved.generationConfig ?? {};
    const out: Record<string, unknown> = {};
    for (const [key, name] of Object.entries(CONFIG_KEYS)) if (config[key] != null) out[name] = config[key];
    return out as GenerateOptions;
  }

  private eosIds(opts: Resolved): number[] {
    if (opts.eosTokenId === null) return [];
    if (opts.eosTokenId !== undefined)
      return typeof opts.eosTokenId === 'number' ? [opts.eosTokenId] : opts.eosTokenId;
    if (this.tokenizer.eosTokenId !== undefined) return [this.tokenizer.eosTokenId];
    const vocab = this.model.config.vocabSize;
    for (const value of [
      this.resolved.generationConfig?.eos_token_id,
      this.resolved.rawConfig?.eos_token_id,
    ]) {
      const ids = (Array.isArray(value) ? value : [value]).filter(
        (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < vocab,
      );
      if (ids.length > 0) return ids;
    }
    return [];
  }

  private encodePrompts(prompts: readonly string[]): number[][] {
    const block = this.model.config.blockSize;
    return prompts.map((prompt, i) => {
      if (typeof prompt !== 'string')
        throw new TaskError('TASK_BAD_INPUT', `input ${i} must be a string, got ${typeof prompt}`);
      if (prompt.length === 0) throw new TaskError('TASK_BAD_INPUT', `input ${i} is empty`);
      const ids = this.tokenizer.encode(prompt, { addSpecialTokens: false });
      if (ids.length === 0) throw new TaskError('TASK_BAD_INPUT', `input ${i} encodes to no tokens`);
      if (ids.length >= block)
        this.note(
          `input ${i} has ${ids.length} tokens and the model sees ${block} at most: it continues from the last ${block - 1}`,
        );
      return ids.length >= block ? ids.slice(ids.length - (block - 1)) : ids;
    });
  }

  /**
   * Runs decoding over the prompts, keeping each row's ids and new text; stops early when
   * every row has ended (EOS, stop string). `onText` hears row 0's new text as it grows.
   */
  private async *decode(
    prompts: number[][],
    options: TextGenerationOptions,
  ): AsyncGenerator<{ rows: Row[]; promptTexts: string[] }, { rows: Row[]; promptTexts: string[] }> {
    const opts = parseOptions(textGenerationOptionsSchema, options, 'text-generation options');
    const eos = this.eosIds(opts);
    const stops = opts.stop === undefined ? [] : typeof opts.stop === 'string' ? [opts.stop] : opts.stop;
    const { stop: _stop, returnFullText: _full, eosTokenId: _eos, onToken, ...decoding } = opts;
    const merged = { ...this.configDefaults(), ...decoding };
    // A bad merged option (a generation_config value) is named as decoding sees it.
    parseGenerateOptions({ ...merged, eosTokenId: eos.length > 0 ? eos : null });
    const n = merged.numReturnSequences ?? 1;
    const rows: Row[] = prompts.flatMap((ids, prompt) =>
      Array.from({ length: n }, () => ({
        prompt,
        ids: [...ids],
        done: false,
        reason: 'length' as const,
        text: '',
      })),
    );
    const render = (ids: readonly number[]) =>
      this.tokenizer.decode(
        ids.filter((id) => !eos.includes(id)),
        { skipSpecialTokens: true },
      );
    const promptTexts = prompts.map(render);
    const state = { rows, promptTexts };
    const stream = generateStream(this.model, prompts, {
      ...merged,
      eosTokenId: eos.length > 0 ? eos : null,
    });
    try {
      for (;;) {
        const next = await stream.next();
        if (next.done) break;
        const step = next.value;
        onToken?.({ step: step.step, tokens: step.tokens });
        rows.forEach((row, r) => {
          if (row.done) return;
          const token = step.tokens[r]!;
          if (eos.includes(token)) {
            row.done = true;
            row.reason = 'eos';
            return;
          }
          row.ids.push(token);
          const full = render(row.ids);
          const text = full.slice(promptTexts[row.prompt]!.length);
          const cut = stops.length > 0 ? stopAt(text, stops) : -1;
          if (cut >= 0) {
            row.text = text.slice(0, cut);
            row.done = true;
            row.reason = 'stop';
          } else row.text = text;
        });
        if (rows.every((row) => row.done)) break;
        yield state;
      }
    } finally {
      // Leaving early (every row stopped, or the caller broke off) frees decoding's tensors.
      await stream.return(undefined as never);
    }
    return state;
  }

  run(prompt: string, options?: TextGenerationOptions): Promise<GeneratedText[]>;
  run(prompts: readonly string[], options?: TextGenerationOptions): Promise<GeneratedText[][]>;
  async run(
    prompts: string | readonly string[],
    options: TextGenerationOptions = {},
  ): Promise<GeneratedText[] | GeneratedText[][]> {
    this.checkUsable();
    const opts = parseOptions(textGenerationOptionsSchema, options, 'text-generation options');
    const { list, single } = asList(prompts);
    if (list.length === 0) return [];
    const encoded = this.encodePrompts(list);
    const outputs: GeneratedText[][] = list.map(() => []);
    const stream = this.decode(encoded, options);
    let next = await stream.next();
    while (!next.done) next = await stream.next();
    for (const row of next.value.rows) {
      const text = opts.returnFullText ? list[row.prompt]! + row.text : row.text;
      outputs[row.prompt]!.push({ generatedText: text, finishReason: row.reason });
    }
    return single ? outputs[0]! : outputs;
  }

  /**
   * The new text of one prompt as it is generated, in pieces (whole characters only; text
   * that may be the start of a stop string is held back until it is not). One sequence.
   */
  async *stream(
    prompt: string,
    options: TextGenerationOptions = {},
  ): AsyncGenerator<string, void, undefined> {
    this.checkUsable();
    if (typeof prompt !== 'string')
      throw new TaskError('TASK_BAD_INPUT', 'stream takes one prompt (a string)');
    const opts = parseOptions(textGenerationOptionsSchema, options, 'text-generation options');
    if ((opts.numReturnSequences ?? 1) > 1)
      throw new TaskError(
        'TASK_BAD_OPTIONS',
        'invalid text-generation options: numReturnSequences: stream gives one sequence',
      );
    const stops = opts.stop === undefined ? [] : typeof opts.stop === 'string' ? [opts.stop] : opts.stop;
    const encoded = this.encodePrompts([prompt]);
    let sent = 0;
    const settled = (row: Row): string => {
      let text = row.text;
      if (!row.done) {
        // An incomplete UTF-8 sequence decodes to U+FFFD: wait for the rest of its bytes.
        while (text.endsWith('\uFFFD')) text = text.slice(0, -1);
        text = text.slice(0, text.length - pendingStop(text, stops));
      }
      return text;
    };
    const generator = this.decode(encoded, { ...options, numReturnSequences: 1 });
    for (;;) {
      const next = await generator.next();
      const row = next.value.rows[0]!;
      const text = next.done ? row.text : settled(row);
      if (text.length > sent) {
        yield text.slice(sent);
        sent = text.length;
      }
      if (next.done) return;
    }
  }
}

/** `text-generation` as a function with TextGeneration's methods. */
export interface TextGenerationPipeline extends TextGeneration {
  (prompt: string, options?: TextGenerationOptions): Promise<GeneratedText[]>;
  (prompts: readonly string[], options?: TextGenerationOptions): Promise<GeneratedText[][]>;
}

export function textGenerationPipeline(
  resolved: ResolvedModel,
  options: ResolvedPipelineOptions,
): TextGenerationPipeline {
  return callable<TextGeneration, TextGenerationPipeline>(new TextGeneration(resolved, options));
}
