// The attention oracle checked without any backend: its gradients against central
// finite differences of its own forward pass, and hand-worked values for a uniform
// (fully masked) row and a causal first query.
import { describe, expect, it } from 'vitest';
import { seededRandom } from './assert.js';
import { type AttentionProblem, attentionBackward, attentionForward, MASKED } from './attention-reference.js';

const problem: AttentionProblem = {
  b: 2,
  h: 1,
  t: 3,
  s: 4,
  d: 3,
  scale: 0.7,
  causal: true,
  pastLength: 1,
  keyPadding: [false, false, false, false, false, false, true, true],
  bias: (_b, _h, i, j) => (i === 2 && j === 0 ? MASKED : 0.1 * (i - j)),
};

describe('f64 attention reference', () => {
  it('gradients of q, k and v match central finite differences', () => {
    const random = seededRandom(5);
    const draw = (n: number) => Array.from({ length: n }, () => random() * 2 - 1);
    const q = draw(18);
    const k = draw(24);
    const v = draw(24);
    const w = draw(18);
    const loss = (qq: number[], kk: number[], vv: number[]) =>
      attentionForward(problem, qq, kk, vv).reduce((acc, o, i) => acc + o * w[i]!, 0);
    const grads = attentionBackward(problem, q, k, v, w);
    for (const [which, analytic] of [
      [0, grads.dq],
      [1, grads.dk],
      [2, grads.dv],
    ] as const) {
      const inputs = [q, k, v];
      const base = inputs[which]!;
      for (let e = 0; e < base.length; e++) {
        const shifted = (delta: number) => {
          const moved = inputs.map((x, i) => (i === which ? x.map((y, j) => (j === e ? y + delta : y)) : x));
          return loss(moved[0]!, moved[1]!, moved[2]!);
        };
        const numeric = (shifted(1e-6) - shifted(-1e-6)) / 2e-6;
        expect(analytic[e]).toBeCloseTo(numeric, 7);
      }
    }
  });

  it('with dropout, gradients still match finite differences and dropped probabilities pass nothing', () => {
    const dropped: AttentionProblem = { ...problem, dropout: { p: 0.4, seed: 7 } };
    const random = seededRandom(6);
    const draw = (n: number) => Array.from({ length: n }, () => random() * 2 - 1);
    const [q, k, v, w] = [draw(18), draw(24), draw(24), draw(18)];
    const loss = (qq: number[], kk: number[], vv: number[]) =>
      attentionForward(dropped, qq, kk, vv).reduce((acc, o, i) => acc + o * w[i]!, 0);
    const grads = attentionBackward(dropped, q, k, v, w);
    for (const [which, analytic] of [
      [0, grads.dq],
      [1, grads.dk],
      [2, grads.dv],
    ] as const) {
      const inputs = [q, k, v];
      for (let e = 0; e < inputs[which]!.length; e++) {
        const shifted = (delta: number) => {
          const moved = inputs.map((x, i) => (i === which ? x.map((y, j) => (j === e ? y + delta : y)) : x));
          return loss(moved[0]!, moved[1]!, moved[2]!);
        };
        expect(analytic[e]).toBeCloseTo((shifted(1e-6) - shifted(-1e-6)) / 2e-6, 7);
      }
    }
    // Not the same function as without dropout, and p = 0 is exactly no dropout.
    const plain = attentionForward(problem, q, k, v);
    expect(Array.from(attentionForward(dropped, q, k, v))).not.toEqual(Array.from(plain));
    const zero = attentionForward({ ...problem, dropout: { p: 0, seed: 7 } }, q, k, v);
    expect(Array.from(zero)).toEqual(Array.from(plain));
  });

  it('a fully masked row averages v uniformly; a causal first query copies v_0', () => {
    const p: AttentionProblem = {
      ...problem,
      b: 1,
      causal: true,
      pastLength: 0,
      keyPadding: null,
      bias: null,
    };
    const q = [1, 2, 3, 4, 5, 6, 7, 8, 9];
    const k = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1];
    const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    expect(Array.from(attentionForward(p, q, k, v).slice(0, 3))).toEqual([1, 2, 3]);
    const allMasked = { ...p, causal: false, bias: () => MASKED };
    const out = attentionForward(allMasked, q, k, v);
    for (let c = 0; c < 3; c++) expect(out[c]).toBeCloseTo((1 + 4 + 7 + 10 + c * 4) / 4, 12);
    // The uniform row passes gradient to v only: scores were replaced, not computed.
    const grads = attentionBackward(allMasked, q, k, v, new Array(9).fill(1));
    expect(grads.dq.every((g) => g === 0)).toBe(true);
    expect(grads.dk.every((g) => g === 0)).toBe(true);
    expect(Array.from(grads.dv)).toEqual(new Array(12).fill(0.75));
  });
});
