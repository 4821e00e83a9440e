// Post-processing templates: where template tokens go around one sequence or a pair,
// and the token type id of each piece (Hugging Face's TemplateProcessing).
import { z } from 'zod';

export type TemplatePiece = { special: string; typeId: number } | { sequence: 'A' | 'B'; typeId: number };

export interface Template {
  single: TemplatePiece[];
  pair: TemplatePiece[];
}

export const templatePieceSchema = z.union([
  z.strictObject({ special: z.string(), typeId: z.number().int().nonnegative() }),
  z.strictObject({ sequence: z.enum(['A', 'B']), typeId: z.number().int().nonnegative() }),
]);

export const templateSchema = z.strictObject({
  single: z.array(templatePieceSchema),
  pair: z.array(templatePieceSchema),
});

/** No template tokens: GPT-2 style. A pair is A then B, with type ids 0 and 1. */
export const PLAIN_TEMPLATE: Template = {
  single: [{ sequence: 'A', typeId: 0 }],
  pair: [
    { sequence: 'A', typeId: 0 },
    { sequence: 'B', typeId: 1 },
  ],
};

/** BERT: `[CLS] A [SEP]` and `[CLS] A [SEP] B [SEP]`. */
export function bertTemplate(cls: string, sep: string): Template {
  return {
    single: [
      { special: cls, typeId: 0 },
      { sequence: 'A', typeId: 0 },
      { special: sep, typeId: 0 },
    ],
    pair: [
      { special: cls, typeId: 0 },
      { sequence: 'A', typeId: 0 },
      { special: sep, typeId: 0 },
      { sequence: 'B', typeId: 1 },
      { special: sep, typeId: 1 },
    ],
  };
}

/** Appends one token (e.g. `[End]` or `<|endoftext|>`) after each sequence. */
export function suffixTemplate(token: string): Template {
  return {
    single: [
      { sequence: 'A', typeId: 0 },
      { special: token, typeId: 0 },
    ],
    pair: [
      { sequence: 'A', typeId: 0 },
      { special: token, typeId: 0 },
      { sequence: 'B', typeId: 1 },
      { special: token, typeId: 1 },
    ],
  };
}

export function countSpecial(pieces: readonly TemplatePiece[]): number {
  let count = 0;
  for (const piece of pieces) if ('special' in piece) count++;
  return count;
}
