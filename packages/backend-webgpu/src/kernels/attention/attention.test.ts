// The fused attention kernels: tile plans from the device limits (no GPU), and on the
// device that the fused pipelines (not the composed fallback) run, that heads split
// over binding windows, and that the causal tile skip (no bias) agrees with the f64
// reference — forward and q, k, v gradients. The full case list runs in the shared
// conformance suite (conformance.test.ts), fused and composed.
import '@tensorlm/backend-cpu';
import {
  initBackend,
  mul,
  registerBackend,
  scaledDotProductAttention,
  sum,
  type Tensor,
  tensor,
  tidy,
} from '@tensorlm/tensor-core';
import { attentionReference, seededRandom } from '@tensorlm/tensor-core/testing';
import { describe, expect, it } from 'vitest';
import { createWebGPUBackend, type WebGPUBackend } from '../../index.js';
import {
  attentionScheduleOverride,
  attentionTiles,
  biasStrides,
  rowsPerThread,
  unsupportedReason,
} from './plan.js';
import { unrollColumns } from './shaders.js';

describe('attention tile plan', () => {
  it('fits two tiles of D floats in workgroup storage and shrinks the workgroup for few rows', () => {
    const one = (threads: number) => ({ threads, rowsPerThread: 1 });
    expect(attentionTiles(256, 256, 64, 16_384)).toEqual({
      forward: one(64),
      dq: one(64),
      dkv: one(64),
      keyTile: 32,
      queryTile: 16,
    });
    expect(attentionTiles(1, 37, 128, 16_384)).toEqual({
      forward: one(8),
      dq: one(8),
      dkv: one(64),
      keyTile: 16,
      queryTile: 8,
    });
    expect(attentionTiles(20, 20, 16, 49_152)).toMatchObject({
      forward: one(32),
      dkv: one(32),
      keyTile: 64,
      queryTile: 64,
    });
  });

  it('gives each thread of a software adapter up to 4 rows within 512 private floats', () => {
    // D64: the forward keeps q and an accumulator (2 rows of D), dQ 3, dK/dV 4.
    expect(attentionTiles(128, 20, 64, 32_768, true)).toMatchObject({
      forward: { threads: 32, rowsPerThread: 4 },
      dq: { threads: 64, rowsPerThread: 2 },
      dkv: { threads: 16, rowsPerThread: 2 },
    });
    expect(rowsPerThread(4, 16, true)).toBe(4);
    expect(rowsPerThread(2, 128, true)).toBe(2);
    expect(rowsPerThread(4, 256, true)).toBe(1);
    expect(rowsPerThread(2, 16, false)).toBe(1);
  });

  it('leaves head sizes past 256 and oversized heads to the composed path', () => {
    const tiles = attentionTiles(8, 8, 512, 16_384);
    expect(unsupportedReason(512, tiles, 16_384, 10, 1000)).toMatch(/head size 512/);
    expect(unsupportedReason(64, attentionTiles(8, 8, 64, 16_384), 16_384, 2000, 1000)).toMatch(/binding/);
    expect(unsupportedReason(64, attentionTiles(8, 8, 64, 16_384), 16_384, 500, 1000)).toBeNull();
  });

  it('unrolls loops over a row into constant indices, nested braces included', () => {
    const loop = 'for (var c = 0u; c < DW; c = c + 1u) { if (x) { a[c] = b[c] + acc; } }';
    expect(unrollColumns(`x;${loop}y;`, 2)).toBe(
      'x;if (x) { a[0u] = b[0u] + acc; }\nif (x) { a[1u] = b[1u] + acc; }y;',
    );
  });

  it('reads a broadcast bias with zero strides', () => {
    expect(biasStrides([2, 1, 1, 7])).toEqual([7, 0, 0, 1]);
    expect(biasStrides([1, 3, 5, 7])).toEqual([0, 35, 7, 1]);
  });
});

const SMALL_BINDINGS = 'webgpu-attention-1KiB-bindings';
registerBackend({
  name: SMALL_BINDINGS,
  priority: -1,
  create: () => createWebGPUBackend({ maxBindingBytes: 1024 }),
});

interface Problem {
  b: number;
  h: number;
  t: number;
  s: number;
  d: number;
  causal: boolean;
  dropout?: { p: number; seed: number };
}

/** Runs the op with gradients on `backend` and checks all four results against the f64 reference. */
async function checkAgainstReference(backendName: string, pr: Problem): Promise<WebGPUBackend> {
  const gpu = (await initBackend(backendName)) as WebGPUBackend;
  const random = seededRandom(pr.t * 131 + pr.s);
  const draw = (n: number) => Array.from({ length: n }, () => Math.fround(random() * 2 - 1));
  const [qv, kv, vv, w] = [pr.t, pr.s, pr.s, pr.t].map((n) => draw(pr.b * pr.h * n * pr.d)) as [
    number[],
    number[],
    number[],
    number[],
  ];
  const problem = {
    ...pr,
    scale: 1 / Math.sqrt(pr.d),
    pastLength: pr.s - pr.t,
    keyPadding: null,
    bias: null,
    dropout: pr.dropout ?? null,
  };
  const expected = attentionReference.attentionForward(problem, qv, kv, vv);
  const grads = attentionReference.attentionBackward(problem, qv, kv, vv, w);
  const on = { backend: gpu };
  const inputs: Tensor[] = [];
  const results = tidy(() => {
    const q = tensor(qv, [pr.b, pr.h, pr.t, pr.d], { ...on, requiresGrad: true }).keep();
    const k = tensor(kv, [pr.b, pr.h, pr.s, pr.d], { ...on, requiresGrad: true }).keep();
    const v = tensor(vv, [pr.b, pr.h, pr.s, pr.d], { ...on, requiresGrad: true }).keep();
    inputs.push(q, k, v);
    const dropout = pr.dropout ? { dropout: pr.dropout.p, dropoutSeed: pr.dropout.seed } : {};
    const out = scaledDotProductAttention(q, k, v, { causal: pr.causal, ...dropout });
    sum(mul(out, tensor(w, out.shape, on))).backward();
    return [out, q.grad!, k.grad!, v.grad!].map((t) => t.keep());
  }) as Tensor[];
  const references = [expected, grads.dq, grads.dk, grads.dv];
  for (const [i, t] of results.entries()) {
    const actual = await t.data();
    const reference = references[i]!;
    let worst = 0;
    for (let e = 0; e < reference.length; e++) worst = Math.max(worst, Math.abs(actual[e]! - reference[e]!));
    expect(worst, `result ${i}`).toBeLessThan(1e-4);
    t.dispose();
  }
  for (const t of inputs) t.dispose();
  return gpu;
}

describe('fused attention on the device', () => {
  it('runs the fused pipelines; causal tiles past the horizon are skipped without changing results', async () => {
    const gpu = await checkAgainstReference('webgpu', { b: 1, h: 2, t: 70, s: 70, d: 16, causal: true });
    const keys = [...gpu.runtime.pipelines.keys()];
    for (const kernel of [
      'attention:forward:16:',
      'attention:stats:16',
      'attention:dq:16:',
      'attention:dkv:16:',
    ])
      expect(
        keys.some((k) => k.startsWith(kernel)),
        kernel,
      ).toBe(true);
  });

  it('splits heads over binding windows when one binding cannot hold them all', async () => {
    // 1 KiB bindings hold 2 heads of 6 × 16 floats: 6 heads take 3 windows per dispatch.
    const gpu = await checkAgainstReference(SMALL_BINDINGS, { b: 2, h: 3, t: 5, s: 6, d: 16, causal: true });
    expect([...gpu.runtime.pipelines.keys()].some((k) => k.startsWith('attention:dkv:16:'))).toBe(true);
    // Dropout hashes the global head index b·H + h, also in windows after the first.
    await checkAgainstReference(SMALL_BINDINGS, {
      ...{ b: 2, h: 3, t: 5, s: 6, d: 16, causal: true },
      dropout: { p: 0.4, seed: 77 },
    });
  });

  it("runs each other schedule of rows per thread (a GPU's 1, and 2) to the same results", async () => {
    for (const rows of [1, 2]) {
      attentionScheduleOverride.rowsPerThread = rows;
      try {
        const gpu = await checkAgainstReference('webgpu', {
          ...{ b: 1, h: 2, t: 70, s: 70, d: 16, causal: true },
          dropout: { p: 0.2, seed: 5 },
        });
        const keys = [...gpu.runtime.pipelines.keys()];
        expect(keys.some((k) => k.startsWith('attention:forward:16:') && k.endsWith(`:${rows}`))).toBe(true);
        expect(keys.some((k) => new RegExp(`^attention:dkv:16:\\d+:\\d+:${rows}:`).test(k))).toBe(true);
      } finally {
        attentionScheduleOverride.rowsPerThread = null;
      }
    }
  });

  it('regenerates the dropout mask in the forward, dQ and dK/dV pipelines (no mask stored)', async () => {
    const gpu = await checkAgainstReference('webgpu', {
      ...{ b: 2, h: 2, t: 37, s: 37, d: 16, causal: false },
      dropout: { p: 0.25, seed: 31 },
    });
    const keys = [...gpu.runtime.pipelines.keys()];
    expect(keys.some((k) => /^attention:forward:16:\d+:\d+:false:true:/.test(k))).toBe(true);
    expect(keys.some((k) => k.startsWith('attention:dq:16:') && k.endsWith(':true'))).toBe(true);
    expect(keys.some((k) => k.startsWith('attention:dkv:16:') && k.endsWith(':true'))).toBe(true);
  });
});
