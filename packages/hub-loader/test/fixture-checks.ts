// The comparison of a committed fixture folder (fixtures/make_fixtures.py: PyTorch, with its
// own float64 forward) against what `fromPretrained` loads from it, on whichever backend is
// current: the worst absolute difference of every output expected.json holds and, for
// GPT-2, the 20-token greedy continuation (plain argmax over the full forward each step, no
// stop token). Shared by the cpu and webgpu fixture tests so both check the same things.
import { readFile } from 'node:fs/promises';
import type { BertForMaskedLM, BertModel, GPT2LMHeadModel } from '@tensorlm/nn';
import { type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { fromPretrained } from '../src/load/from-pretrained.js';
import { fixturePath } from './torch-fixtures.js';

/** Every model folder under fixtures/, by kind of expected output. */
export const GPT2_FIXTURES = [
  'gpt2-official-safetensors',
  'gpt2-official-bin',
  'gpt2-prefixed-lm-head',
  'gpt2-sharded-safetensors',
  'gpt2-sharded-bin',
  'gpt2-f16-safetensors',
] as const;
export const BERT_FIXTURES = [
  'bert-base-uncased-style',
  'bert-model-no-prefix',
  'bert-mlm-bf16-bin',
] as const;

export interface FixtureComparison {
  /** Output name (logits, last_hidden_state, pooler_output) → worst |ours − expected|. */
  worstAbsDiff: Record<string, number>;
  /** Shapes as loaded, by output name. */
  shapes: Record<string, number[]>;
  /** Expected shapes from expected.json. */
  expectedShapes: Record<string, number[]>;
  /** GPT-2 only: the continuation generated here and the reference's. */
  greedy?: { ours: number[]; expected: number[] };
}

const flat = (v: unknown): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v as number]);

function maxAbsDiff(ours: ArrayLike<number>, want: readonly number[]): number {
  if (ours.length !== want.length) return Number.POSITIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - want[i]!));
  return worst;
}

async function expectedOf(name: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(fixturePath(`${name}/expected.json`), 'utf8')) as Record<string, unknown>;
}

async function compare(
  outputs: Record<string, Tensor>,
  want: Record<string, unknown>,
  into: FixtureComparison,
): Promise<void> {
  for (const [key, t] of Object.entries(outputs)) {
    into.shapes[key] = [...t.shape];
    into.expectedShapes[key] = want[`${key}_shape`] as number[];
    into.worstAbsDiff[key] = maxAbsDiff((await t.data()) as Float32Array, flat(want[key]));
    t.dispose();
  }
}

/** Loads fixture `name` onto the current backend and compares it with its expected.json. */
export async function compareFixture(name: string): Promise<FixtureComparison> {
  const want = await expectedOf(name);
  const result: FixtureComparison = { worstAbsDiff: {}, shapes: {}, expectedShapes: {} };
  const { model } = await fromPretrained(fixturePath(name));
  try {
    const ids = want.input_ids as number[][];
    if (name.startsWith('gpt2')) {
      const gpt = model as GPT2LMHeadModel;
      const input = tensor(ids, { dtype: 'i32' });
      await compare({ logits: tidy(() => gpt.forward(input).logits) }, want, result);
      input.dispose();
      const greedy = want.greedy as { max_new_tokens: number; new_tokens: number[] };
      const sequence = [...ids[0]!];
      const V = gpt.config.vocabSize;
      for (let step = 0; step < greedy.max_new_tokens; step++) {
        const x = tensor([sequence], { dtype: 'i32' });
        const out = tidy(() => gpt.forward(x).logits);
        const all = (await out.data()) as Float32Array;
        const last = Array.from(all.subarray((sequence.length - 1) * V, sequence.length * V));
        sequence.push(last.indexOf(Math.max(...last)));
        out.dispose();
        x.dispose();
      }
      result.greedy = { ours: sequence.slice(ids[0]!.length), expected: greedy.new_tokens };
      return result;
    }
    const input = tensor(ids, { dtype: 'i32' });
    const attentionMask = tensor(want.attention_mask as number[][], { dtype: 'i32' });
    const tokenTypeIds = tensor(want.token_type_ids as number[][], { dtype: 'i32' });
    const outputs = tidy((): Record<string, Tensor> => {
      if ('pooler_output' in want) {
        const out = (model as BertModel).forward(input, { attentionMask, tokenTypeIds });
        return { last_hidden_state: out.lastHiddenState, pooler_output: out.poolerOutput! };
      }
      const out = (model as BertForMaskedLM).forward(input, {
        attentionMask,
        tokenTypeIds,
        outputHiddenStates: true,
      });
      return { logits: out.logits, last_hidden_state: out.hiddenStates!.at(-1)! };
    });
    await compare(outputs, want, result);
    for (const t of [input, attentionMask, tokenTypeIds]) t.dispose();
    return result;
  } finally {
    model.dispose();
  }
}
