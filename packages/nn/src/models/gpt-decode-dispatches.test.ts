// What masking costs a cached decoding step on WebGPU, counted in dispatches (not timed):
// a step over a preallocated KV cache masks the buffers' unused tail (and, in a padded
// batch, the padding). That mask is made once per forward; a layer may only apply it.
// Each layer's share is isolated by counting the same step for 1 and 3 layers, and the
// mask's by a step whose buffers are exactly full, which needs no mask at all.
import type { WebGPUBackend } from '@tensorlm/backend-webgpu';
import '@tensorlm/backend-webgpu';
import { initBackend, noGrad, setBackend, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { afterAll, describe, expect, it } from 'vitest';
import { requiresWebGPU } from '../../../../tooling/vitest/requirements.js';
import { GPT2LMHeadModel } from './gpt.js';

const available = requiresWebGPU(
  await initBackend('webgpu').then(
    () => true,
    () => false,
  ),
);

describe.runIf(available)('a cached GPT decoding step on webgpu', () => {
  afterAll(async () => {
    await setBackend('cpu').catch(() => {});
  });

  /**
   * Dispatches of the one-token step after a `prompt` (B, P) prefill into buffers of
   * `capacity` positions, for a model of `layers` layers.
   */
  async function stepDispatches(
    layers: number,
    prompt: number[][],
    capacity: number,
    attentionMask: number[][] | null,
  ): Promise<number> {
    const backend = (await setBackend('webgpu')) as WebGPUBackend;
    const model = new GPT2LMHeadModel({ vocabSize: 32, blockSize: 32, nLayer: layers, nHead: 2, nEmbd: 16 });
    model.eval();
    const b = prompt.length;
    const p = prompt[0]!.length;
    const ids = (rows: number[][]) =>
      tensor(Int32Array.from(rows.flat()), [rows.length, rows[0]!.length], { dtype: 'i32', backend });
    const mask = (width: number): Tensor | null =>
      attentionMask
        ? tensor(
            Int32Array.from(
              attentionMask.flatMap((row) => [...row, ...new Array(width - row.length).fill(1)]),
            ),
            [b, width],
            { dtype: 'i32', backend },
          )
        : null;
    const count = noGrad(() =>
      tidy(() => {
        const first = model.forward(ids(prompt), {
          useCache: true,
          cacheCapacity: capacity,
          attentionMask: mask(p),
        });
        const before = backend.runtime.dispatchCount;
        model.forward(ids(prompt.map(() => [5])), {
          useCache: true,
          cacheCapacity: capacity,
          pastKeyValues: first.pastKeyValues,
          attentionMask: mask(p + 1),
          logitsToKeep: 1,
        });
        return backend.runtime.dispatchCount - before;
      }),
    );
    await backend.runtime.sync();
    model.dispose();
    return count;
  }

  /** Dispatches each layer adds to a step: the difference between 3 layers and 1, halved. */
  async function perLayer(prompt: number[][], capacity: number, mask: number[][] | null): Promise<number> {
    return (
      ((await stepDispatches(3, prompt, capacity, mask)) -
        (await stepDispatches(1, prompt, capacity, mask))) /
      2
    );
  }

  it('applies the masked cache tail with one select per layer, building nothing per layer', async () => {
    const prompt = [[1, 2, 3, 4, 5, 6, 7]];
    // 7 + 1 tokens fill 8 positions exactly (no mask); 16 leave a tail of 8 to mask.
    const unmasked = await perLayer(prompt, 8, null);
    const masked = await perLayer(prompt, 16, null);
    // One select (where) and its scalar operand: the composed decoding attention's masking.
    expect(masked - unmasked).toBeLessThanOrEqual(2);
  });

  it('shares one padding bias among the layers of a left-padded batch', async () => {
    const prompt = [
      [0, 0, 3, 4, 5, 6, 7],
      [1, 2, 3, 4, 5, 6, 7],
    ];
    const padding = [
      [0, 0, 1, 1, 1, 1, 1],
      [1, 1, 1, 1, 1, 1, 1],
    ];
    const unmasked = await perLayer(prompt, 8, null);
    const padded = await perLayer(prompt, 16, padding);
    // Finding the bias's masked keys (a compare and its scalar), adding it to the scores, and
    // the select (and its scalar) that applies the mask: the bias itself (another select and
    // its scalar) is made by the first layer only.
    expect(padded - unmasked).toBeLessThanOrEqual(5);
  });
});
