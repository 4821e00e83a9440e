// Attention weights against PyTorch: hub-loader's tiny GPT-2 and BERT fixtures, loaded
// by fromPretrained, must give the probabilities that fixtures/make_attention_fixtures.py
// (an independent float64 forward) recorded, within 1e-4, on cpu and on webgpu — batched
// with left padding and position ids (GPT-2) or right padding and segments (BERT) through
// nn's forward, and one sequence through attentionMapsForIds.
// No WebGPU adapter: fails under CI, skipped with a printed reason elsewhere.
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fromPretrained } from '@tensorlm/hub-loader';
import type { Module } from '@tensorlm/nn';
import { getBackend, noGrad, setBackend, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requiresWebGPU } from '../../../../tooling/vitest/requirements.js';
import { TaskError } from '../pipelines/errors.js';
import { attentionMapsForIds } from './maps.js';

type Nested4 = number[][][][];
interface ModelFixture {
  folder: string;
  input_ids: number[][];
  attention_mask: number[][];
  position_ids?: number[][];
  token_type_ids?: number[][];
  /** Per layer (batch, heads, query, key). */
  attentions: Nested4[];
}

const fixtures = JSON.parse(
  readFileSync(new URL('../../fixtures/attention.json', import.meta.url), 'utf8'),
) as { gpt2: ModelFixture; bert: ModelFixture };

const folder = (name: string) =>
  fileURLToPath(new URL(`../../../hub-loader/fixtures/${name}`, import.meta.url));

function maxDiff(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    expect(a.length).toBe(b.length);
    return a.reduce((m: number, x, i) => Math.max(m, maxDiff(x, b[i])), 0);
  }
  return Math.abs((a as number) - (b as number));
}

const i32 = (rows: number[][]) => tensor(rows, { dtype: 'i32' });

const webgpu = requiresWebGPU(
  await setBackend('webgpu').then(
    () => true,
    () => false,
  ),
);
await setBackend('cpu');

for (const backend of ['cpu', 'webgpu']) {
  describe.runIf(backend === 'cpu' || webgpu)(`attention weights against PyTorch on ${backend}`, () => {
    let gpt: Module;
    let bert: Module;
    beforeAll(async () => {
      await setBackend(backend);
      gpt = (await fromPretrained(folder(fixtures.gpt2.folder))).model;
      bert = (await fromPretrained(folder(fixtures.bert.folder))).model;
    });
    afterAll(async () => {
      gpt.dispose();
      bert.dispose();
      await setBackend('cpu');
    });

    async function attentionsOf(model: Module, fixture: ModelFixture): Promise<Nested4[]> {
      const run = model as unknown as {
        forward(ids: Tensor, options: object): { attentions: Tensor[] | null };
      };
      const outs = noGrad(() =>
        tidy(
          () =>
            run.forward(i32(fixture.input_ids), {
              attentionMask: i32(fixture.attention_mask),
              ...(fixture.position_ids ? { positionIds: i32(fixture.position_ids) } : {}),
              ...(fixture.token_type_ids ? { tokenTypeIds: i32(fixture.token_type_ids) } : {}),
              outputAttentions: true,
            }).attentions!,
        ),
      );
      const values = await Promise.all(outs.map(async (t) => (await t.toArray()) as Nested4));
      for (const t of outs) t.dispose();
      return values;
    }

    it('GPT-2 (left padding, position ids): every layer within 1e-4, padding queries uniform', async () => {
      expect(getBackend().name).toBe(backend);
      const ours = await attentionsOf(gpt, fixtures.gpt2);
      expect(ours).toHaveLength(2);
      expect(maxDiff(ours, fixtures.gpt2.attentions)).toBeLessThan(1e-4);
      // By hand: a padding query may see no key, so its row is 1/6 everywhere (not NaN).
      for (const layer of ours)
        for (const head of layer[1]!) for (const w of head[0]!) expect(w).toBeCloseTo(1 / 6, 5);
    });

    it('BERT (padding, segments): every layer within 1e-4, zero weight on the padded key', async () => {
      const ours = await attentionsOf(bert, fixtures.bert);
      expect(ours).toHaveLength(2);
      expect(maxDiff(ours, fixtures.bert.attentions)).toBeLessThan(1e-4);
      for (const layer of ours) for (const head of layer[1]!) for (const row of head) expect(row[5]).toBe(0);
    });

    it('attentionMapsForIds gives the reference as plain [layer][head][query][key] arrays', async () => {
      for (const [model, fixture, architecture] of [
        [gpt, fixtures.gpt2, 'GPT2LMHeadModel'],
        [bert, fixtures.bert, 'BertModel'],
      ] as const) {
        const ids = fixture.input_ids[0]!;
        const maps = await attentionMapsForIds(model, ids);
        expect(maps).toMatchObject({ architecture, numLayers: 2, numHeads: 4, ids, tokens: ids.map(String) });
        const expected = fixture.attentions.map((layer) => layer[0]!);
        expect(maxDiff(maps.attentions, expected)).toBeLessThan(1e-4);
      }
    });
  });
}

describe('attentionMapsForIds input errors', () => {
  it('refuses an empty input, mismatched labels and a text past the model’s positions', async () => {
    const { model } = await fromPretrained(folder(fixtures.gpt2.folder));
    await expect(attentionMapsForIds(model, [])).rejects.toThrow(/at least one token/);
    await expect(attentionMapsForIds(model, [1, 2], ['a'])).rejects.toThrow(/1 token labels for 2 ids/);
    const tooLong = attentionMapsForIds(model, new Array(33).fill(1));
    await expect(tooLong).rejects.toThrow(TaskError);
    await expect(tooLong).rejects.toThrow(/33 tokens, and GPT2LMHeadModel takes at most 32/);
    model.dispose();
  });
});
