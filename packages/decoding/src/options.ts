// Generation options: one zod schema with Hugging Face's names in camelCase and its
// defaults (greedy unless doSample), validated before any work so that a bad value is
// an error naming the field. Options that only make sense together are checked here too.
import { isTensor, type Tensor } from '@tensorlm/tensor-core';
import { z } from 'zod';
import { parseWith } from './errors.js';

/** What `generate` reports after each new token (one entry per returned sequence). */
export interface GenerationStep {
  /** 0 for the first new token. */
  step: number;
  /** The token each sequence got at this step; `padTokenId` for sequences already finished. */
  tokens: number[];
  /** Whether each sequence has finished (this step's token was an EOS, or it ended earlier). */
  finished: boolean[];
}

function withInput(text: string) {
  return (issue: { input?: unknown }) => {
    const got = issue.input;
    const shown =
      typeof got === 'object' && got !== null ? (Array.isArray(got) ? 'an array' : 'an object') : got;
    return `${text}, got ${typeof shown === 'string' ? `'${shown}'` : String(shown)}`;
  };
}

const int = (text: string) => z.number({ error: withInput(text) }).int({ error: withInput(text) });
const tokenId = int('must be a token id (an integer ≥ 0)').min(0, {
  error: withInput('must be a token id (an integer ≥ 0)'),
});

const isFunction = (v: unknown): boolean => typeof v === 'function';

const optionsObject = z
  .object({
    /** New tokens to generate at most (Hugging Face's max_new_tokens). Default 20. */
    maxNewTokens: int('must be an integer ≥ 0')
      .min(0, { error: withInput('must be an integer ≥ 0') })
      .default(20),
    /** EOS is suppressed until this many tokens were generated. Default 0. */
    minNewTokens: int('must be an integer ≥ 0')
      .min(0, { error: withInput('must be an integer ≥ 0') })
      .default(0),
    /** Sample (true) or pick the most likely token (false, default: greedy). */
    doSample: z.boolean({ error: withInput('must be true or false') }).default(false),
    /** Divides the logits before sampling; 0 means greedy. Default 1. */
    temperature: z
      .number({ error: withInput('must be a number ≥ 0') })
      .min(0, { error: withInput('must be a number ≥ 0') })
      .refine(Number.isFinite, { error: withInput('must be finite') })
      .default(1),
    /** Sample among the k most likely tokens only. Default: off. */
    topK: int('must be an integer ≥ 1')
      .min(1, { error: withInput('must be an integer ≥ 1') })
      .nullable()
      .optional(),
    /** Nucleus sampling: the smallest set of tokens with probability ≥ p. Default 1 (off). */
    topP: z
      .number({ error: withInput('must be a number in (0, 1]') })
      .gt(0, { error: withInput('must be a number in (0, 1]') })
      .max(1, { error: withInput('must be a number in (0, 1]') })
      .default(1),
    /** > 1 discourages ids already in the sequence (Hugging Face's repetition_penalty). Default 1 (off). */
    repetitionPenalty: z
      .number({ error: withInput('must be a number > 0') })
      .gt(0, { error: withInput('must be a number > 0') })
      .refine(Number.isFinite, { error: withInput('must be finite') })
      .default(1),
    /** A token (or tokens) that ends a sequence; it is kept in the output. */
    eosTokenId: z
      .union([tokenId, z.array(tokenId).min(1)], { error: withInput('must be a token id or a list of them') })
      .nullable()
      .optional(),
    /** Fills left padding and the steps after a sequence finished. Default: the (first) EOS, else 0. */
    padTokenId: tokenId.nullable().optional(),
    /** Sequences per prompt (needs doSample). Default 1. */
    numReturnSequences: int('must be an integer ≥ 1')
      .min(1, { error: withInput('must be an integer ≥ 1') })
      .default(1),
    /** Seed of the sampling stream: the same seed gives the same tokens. Default: the global stream. */
    seed: int('must be a non-negative safe integer')
      .min(0, { error: withInput('must be a non-negative safe integer') })
      .max(Number.MAX_SAFE_INTEGER, { error: withInput('must be a non-negative safe integer') })
      .optional(),
    /** Keep the keys and values of earlier tokens (each step then costs one position). Default true. */
    useCache: z.boolean({ error: withInput('must be true or false') }).default(true),
    /** With a Tensor or padded arrays as input: 1 for tokens, 0 for padding (any side). */
    attentionMask: z
      .union([z.custom<Tensor>(isTensor), z.array(z.array(z.number()))], {
        error: withInput('must be a Tensor (batch, seq) or an array of rows of 0/1'),
      })
      .optional(),
    /**
     * Run temperature / top-k / top-p / the draw on the CPU backend (the logits of the
     * last position are copied over). Default: true when the model's backend lacks the
     * `deviceSampling` capability and 'cpu' is registered — see the package README for why.
     */
    sampleOnCpu: z.boolean({ error: withInput('must be true or false') }).optional(),
    /** Called after every step, before the next one starts (may return a promise). */
    onToken: z
      .custom<(step: GenerationStep) => void | Promise<void>>(isFunction, {
        error: withInput('must be a function'),
      })
      .optional(),
    /** Stops generation: the call rejects with the signal's reason. */
    signal: z
      .custom<AbortSignal>((v) => typeof AbortSignal !== 'undefined' && v instanceof AbortSignal, {
        error: withInput('must be an AbortSignal'),
      })
      .optional(),
  })
  .strict();

export const generateOptionsSchema = optionsObject.superRefine((o, ctx) => {
  if (o.numReturnSequences > 1 && (!o.doSample || o.temperature === 0)) {
    ctx.addIssue({
      code: 'custom',
      path: ['numReturnSequences'],
      message: `greedy decoding gives one sequence per prompt, got ${o.numReturnSequences}; set doSample: true (and temperature > 0) to draw several`,
    });
  }
});

export type GenerateOptions = z.input<typeof generateOptionsSchema>;
export type ResolvedGenerateOptions = z.output<typeof generateOptionsSchema>;

const KNOWN = Object.keys(optionsObject.shape);

/** Validates options, filling in defaults; throws a DecodingError naming each bad field. */
export function parseGenerateOptions(options: unknown = {}): ResolvedGenerateOptions {
  return parseWith(generateOptionsSchema, options ?? {}, 'generate options', KNOWN);
}
