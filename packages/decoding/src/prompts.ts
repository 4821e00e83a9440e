// Prompts in, as users have them: one id list, a batch of lists of different lengths, or
// a tensor (with an optional attention mask, padding on either side). All become plain
// id lists once, before the loop; batching then left-pads them (the last real token of
// every row in the same column, which is where the next token is predicted).
import { isTensor, type Tensor } from '@tensorlm/tensor-core';
import { DecodingError } from './errors.js';

/** One prompt (ids), a batch of prompts (any lengths), or an i32 tensor (T) / (B, T). */
export type PromptInput = readonly number[] | readonly (readonly number[])[] | Int32Array | Tensor;

async function rowsOf(value: Tensor | readonly (readonly number[])[], what: string): Promise<number[][]> {
  if (!isTensor(value)) return value.map((row) => [...row]);
  if (value.rank !== 1 && value.rank !== 2) {
    throw new DecodingError(
      `${what} must be a (seq) or (batch, seq) tensor, got [${value.shape.join(', ')}]`,
      [what],
    );
  }
  const data = Array.from(await value.data());
  const width = value.shape.at(-1)!;
  const rows: number[][] = [];
  for (let i = 0; i < data.length; i += width) rows.push(data.slice(i, i + width));
  return value.rank === 1 ? [data] : rows;
}

/**
 * The prompts as id lists (padding removed where `attentionMask` is 0), checked: at
 * least one prompt, none empty, every id an integer in [0, vocabSize).
 */
export async function readPrompts(
  input: PromptInput,
  attentionMask: Tensor | readonly (readonly number[])[] | undefined,
  vocabSize: number,
): Promise<number[][]> {
  let prompts: number[][];
  if (isTensor(input)) {
    if (input.dtype === 'f32')
      throw new DecodingError(`inputIds must be an integer tensor, got f32`, ['inputIds']);
    prompts = await rowsOf(input, 'inputIds');
  } else if (input instanceof Int32Array) prompts = [Array.from(input)];
  else if (Array.isArray(input) && input.length > 0 && input.every((row) => Array.isArray(row))) {
    prompts = (input as readonly (readonly number[])[]).map((row) => [...row]);
  } else if (Array.isArray(input) && input.every((id) => typeof id === 'number'))
    prompts = [[...(input as number[])]];
  else throw new DecodingError('inputIds must be ids, a list of id lists, or an i32 tensor', ['inputIds']);
  if (attentionMask !== undefined) {
    const mask = await rowsOf(attentionMask, 'attentionMask');
    const same = mask.length === prompts.length && mask.every((row, i) => row.length === prompts[i]!.length);
    if (!same) {
      throw new DecodingError(
        `attentionMask must have the shape of inputIds (${prompts.length} rows of ${prompts[0]?.length ?? 0})`,
        ['attentionMask'],
      );
    }
    prompts = prompts.map((row, i) => row.filter((_, j) => mask[i]![j] !== 0));
  }
  if (prompts.length === 0) throw new DecodingError('inputIds: no prompt given', ['inputIds']);
  prompts.forEach((row, i) => {
    const field = prompts.length > 1 ? `inputIds[${i}]` : 'inputIds';
    if (row.length === 0) {
      throw new DecodingError(`${field}: a prompt needs at least one token (e.g. a BOS / EOS id)`, [field]);
    }
    const bad = row.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
    if (bad >= 0) {
      throw new DecodingError(
        `${field}: token ${row[bad]} at position ${bad} is not an id of the model's vocabulary [0, ${vocabSize})`,
        [field],
      );
    }
  });
  return prompts;
}

/** Left-pads id lists to one length: ids and an attention mask (1 token, 0 padding), as Hugging Face. */
export function leftPad(
  prompts: readonly (readonly number[])[],
  padTokenId: number,
): { ids: number[][]; attentionMask: number[][] } {
  const width = Math.max(0, ...prompts.map((p) => p.length));
  return {
    ids: prompts.map((p) => [...new Array<number>(width - p.length).fill(padTokenId), ...p]),
    attentionMask: prompts.map((p) => [...new Array<number>(width - p.length).fill(0), ...p.map(() => 1)]),
  };
}
