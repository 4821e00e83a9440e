// zod schemas for the options every tokenizer method takes: typos and bad values fail
// with the option's name instead of being silently ignored.
import { z } from 'zod';
import type {
  AllowedSpecial,
  DecodeOptions,
  EncodeBatchOptions,
  EncodeDetailedOptions,
  EncodeOptions,
} from './types.js';
import { parseWith } from './validate.js';

const allowedSpecial = z.union([z.literal('all'), z.literal('none'), z.array(z.string())]);

const encodeShape = {
  addSpecialTokens: z.boolean().optional(),
  allowedSpecial: allowedSpecial.optional(),
};

const encodeSchema = z.strictObject(encodeShape);
const encodeDetailedSchema = z.strictObject({ ...encodeShape, pair: z.string().optional() });
const encodeBatchSchema = z.strictObject({
  ...encodeShape,
  padding: z.union([z.boolean(), z.enum(['longest', 'max_length', 'do_not_pad'])]).optional(),
  truncation: z
    .union([z.boolean(), z.enum(['longest_first', 'only_first', 'only_second', 'do_not_truncate'])])
    .optional(),
  maxLength: z.number().int().positive().optional(),
  paddingSide: z.enum(['right', 'left']).optional(),
  padId: z.number().int().nonnegative().optional(),
});
const decodeSchema = z.strictObject({
  skipSpecialTokens: z.boolean().optional(),
  cleanUpTokenizationSpaces: z.boolean().optional(),
});

export interface ResolvedEncodeOptions {
  addSpecialTokens: boolean;
  allowedSpecial: AllowedSpecial;
}

const ENCODE_DEFAULTS: ResolvedEncodeOptions = { addSpecialTokens: true, allowedSpecial: 'all' };

export function resolveEncodeOptions(options: EncodeOptions | undefined): ResolvedEncodeOptions {
  // The common call passes nothing: skip zod on the hot path.
  if (options === undefined) return ENCODE_DEFAULTS;
  const parsed = parseWith(encodeSchema, options, 'encode options');
  return {
    addSpecialTokens: parsed.addSpecialTokens ?? true,
    allowedSpecial: parsed.allowedSpecial ?? 'all',
  };
}

export function resolveEncodeDetailedOptions(
  options: EncodeDetailedOptions | undefined,
): ResolvedEncodeOptions & { pair: string | undefined } {
  if (options === undefined) return { ...ENCODE_DEFAULTS, pair: undefined };
  const parsed = parseWith(encodeDetailedSchema, options, 'encode options');
  return {
    addSpecialTokens: parsed.addSpecialTokens ?? true,
    allowedSpecial: parsed.allowedSpecial ?? 'all',
    pair: parsed.pair,
  };
}

export interface ResolvedBatchOptions extends ResolvedEncodeOptions {
  padding: 'none' | 'longest' | 'max_length';
  truncation: 'none' | 'longest_first' | 'only_first' | 'only_second';
  maxLength: number | undefined;
  paddingSide: 'right' | 'left';
  padId: number | undefined;
}

export function resolveBatchOptions(options: EncodeBatchOptions | undefined): ResolvedBatchOptions {
  const parsed = parseWith(encodeBatchSchema, options ?? {}, 'encodeBatch options');
  const padding =
    parsed.padding === true || parsed.padding === 'longest'
      ? 'longest'
      : parsed.padding === 'max_length'
        ? 'max_length'
        : 'none';
  const truncation =
    parsed.truncation === true || parsed.truncation === 'longest_first'
      ? 'longest_first'
      : parsed.truncation === 'only_first' || parsed.truncation === 'only_second'
        ? parsed.truncation
        : 'none';
  return {
    addSpecialTokens: parsed.addSpecialTokens ?? true,
    allowedSpecial: parsed.allowedSpecial ?? 'all',
    padding,
    truncation,
    maxLength: parsed.maxLength,
    paddingSide: parsed.paddingSide ?? 'right',
    padId: parsed.padId,
  };
}

export interface ResolvedDecodeOptions {
  skipSpecialTokens: boolean;
  cleanUpTokenizationSpaces: boolean | undefined;
}

const DECODE_DEFAULTS: ResolvedDecodeOptions = {
  skipSpecialTokens: false,
  cleanUpTokenizationSpaces: undefined,
};

export function resolveDecodeOptions(options: DecodeOptions | undefined): ResolvedDecodeOptions {
  if (options === undefined) return DECODE_DEFAULTS;
  const parsed = parseWith(decodeSchema, options, 'decode options');
  return {
    skipSpecialTokens: parsed.skipSpecialTokens ?? false,
    cleanUpTokenizationSpaces: parsed.cleanUpTokenizationSpaces,
  };
}
