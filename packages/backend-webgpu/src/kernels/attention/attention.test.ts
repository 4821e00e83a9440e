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
import { attentionTiles, biasStrides, unsupportedReason } from './plan.js';
import { unrollColumns } from './shaders.js';

describe('attention tile plan', () => {
  it('fits two tiles of D floats in workgroup storage and shrinks the workgroup for few rows', () => {
    expect(attentionTiles(256, 256, 64, 16_384)).toEqual({
      queryRows: 64,
      keyTile: 32,
      keyRows: 64,
      queryTile: 16,
    });
    expect(attentionTiles(1, 37, 128, 16_384)).toEqual({
      queryRows: 8,
      keyTile: 16,
      keyRows: 64,
      queryTile: 8,
    });
    expect(attentionTiles(20, 20, 16, 49_152)).toEqual({
      queryRows: 32,
      keyTile: 64,
      keyRows: 32,
      queryTile: 64,
    });
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
    const out = scaledDotProductAttention(q, k, v, { causal: pr.causal });
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
  });
});
