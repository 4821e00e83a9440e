// Fully masked attention rows: every score is nn's MASKED_SCORE (the lowest finite f32).
// The softmax must be uniform, as on the CPU backend, on short rows (one thread per row)
// and wide rows (one workgroup per row) alike — not 0/0.
import '@tensorlm/backend-cpu';
import { full, initBackend, softmax } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import './index.js';

const LOWEST = -3.4028234663852886e38;

describe('softmax of fully masked rows', () => {
  for (const cols of [5, 300]) {
    it(`is uniform over ${cols} columns`, async () => {
      const gpu = await initBackend('webgpu');
      const values = await softmax(full([2, cols], LOWEST, { backend: gpu }), -1).data();
      for (const v of values) expect(v).toBeCloseTo(1 / cols, 6);
    });
  }
});
