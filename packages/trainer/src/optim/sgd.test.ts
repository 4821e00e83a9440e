// SGD against an f64 transcription of torch.optim.SGD's rule (momentum, dampening,
// Nesterov, L2 decay), and the optimizer state dict: a save/restore mid-run continues
// exactly like the optimizer that never stopped.
import '@tensorlm/backend-cpu';
import { setBackend, tensor } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { AdamW } from './adamw.js';
import { SGD } from './sgd.js';

function sgdReference(
  p0: number[],
  grads: number[][],
  h: { lr: number; momentum: number; dampening: number; weightDecay: number; nesterov: boolean },
): number[] {
  const p = [...p0];
  let buf: number[] | null = null;
  for (const g0 of grads) {
    let d = g0.map((g, i) => g + h.weightDecay * p[i]!);
    if (h.momentum !== 0) {
      buf = buf === null ? [...d] : buf.map((b, i) => h.momentum * b + (1 - h.dampening) * d[i]!);
      const b = buf;
      d = h.nesterov ? d.map((x, i) => x + h.momentum * b[i]!) : [...b];
    }
    for (let i = 0; i < p.length; i++) p[i] = p[i]! - h.lr * d[i]!;
  }
  return p;
}

const p0 = [0.5, -1.25, 2, 0.125, -0.75];
const grads = [
  [0.1, -0.2, 0.3, -0.4, 0.5],
  [-0.3, 0.1, 0.2, 0.05, -0.6],
  [0.25, 0.25, -0.5, 0.4, 0.1],
  [0.0, -0.7, 0.6, 0.2, -0.2],
];

async function runSgd(h: {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
}) {
  const p = tensor(p0).requireGrad();
  const opt = new SGD([p], h);
  for (const g of grads) {
    p.grad = tensor(g).keep();
    opt.step();
    opt.zeroGrad();
  }
  return Array.from(await p.data());
}

describe('SGD', () => {
  it.each([
    { lr: 0.1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false },
    { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 0, nesterov: false },
    { lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01, nesterov: false },
    { lr: 0.05, momentum: 0.8, dampening: 0, weightDecay: 0.02, nesterov: true },
  ])('matches torch.optim.SGD in f64 for %o', async (h) => {
    await setBackend('cpu');
    const got = await runSgd(h);
    const want = sgdReference(p0, grads, h);
    got.forEach((v, i) => {
      expect(v).toBeCloseTo(want[i]!, 6);
    });
  });

  it('checks Nesterov needs momentum and no dampening', () => {
    const p = tensor([1]).requireGrad();
    expect(() => new SGD([p], { nesterov: true })).toThrow(/nesterov/);
    expect(() => new SGD([p], { momentum: -1 })).toThrow(/momentum/);
  });
});

describe('optimizer state dicts', () => {
  it('restoring mid-run continues exactly like an uninterrupted AdamW', async () => {
    await setBackend('cpu');
    const gradsAt = (t: number) => p0.map((_, i) => Math.sin(t * 7 + i));
    const straight = tensor(p0).requireGrad();
    const a = new AdamW([['w', straight]], { lr: 0.05, weightDecay: 0.1 });
    for (let t = 0; t < 5; t++) {
      straight.grad = tensor(gradsAt(t)).keep();
      a.step();
      a.zeroGrad();
    }
    const resumed = tensor(p0).requireGrad();
    const b1 = new AdamW([['w', resumed]], { lr: 0.05, weightDecay: 0.1 });
    for (let t = 0; t < 3; t++) {
      resumed.grad = tensor(gradsAt(t)).keep();
      b1.step();
      b1.zeroGrad();
    }
    const saved = b1.stateDict();
    const meta = JSON.parse(JSON.stringify(saved.meta)); // as a checkpoint stores it
    // A fresh optimizer with other hyperparameters: loading restores them (as PyTorch).
    const b2 = new AdamW([['w', resumed]], { lr: 1, weightDecay: 0 });
    b2.loadStateDict({ tensors: saved.tensors, meta });
    for (const t of saved.tensors.values()) t.dispose();
    b1.dispose();
    expect(b2.paramGroups[0]!.hyper.weightDecay).toBe(0.1);
    expect(b2.stepCount).toBe(3);
    for (let t = 3; t < 5; t++) {
      resumed.grad = tensor(gradsAt(t)).keep();
      b2.step();
      b2.zeroGrad();
    }
    expect(Array.from(await resumed.data())).toEqual(Array.from(await straight.data()));
  });

  it('refuses a state of another kind or other parameters, changing nothing', async () => {
    await setBackend('cpu');
    const w = tensor([1, 2]).requireGrad();
    const sgd = new SGD([['w', w]], { momentum: 0.9 });
    w.grad = tensor([1, 1]).keep();
    sgd.step();
    const state = sgd.stateDict();
    expect(() => new AdamW([['w', w]]).loadStateDict(state)).toThrow(/'sgd' optimizer, not 'adamw'/);
    const other = new SGD([['v', tensor([1, 2]).requireGrad()]], { momentum: 0.9 });
    expect(() => other.loadStateDict(state)).toThrow(/group 0 holds parameters \[w/);
    const wrongShape = new SGD([['w', tensor([1, 2, 3]).requireGrad()]], { momentum: 0.9 });
    expect(() => wrongShape.loadStateDict(state)).toThrow(/shape \[2\].*\[3\]/);
    expect(wrongShape.stepCount).toBe(0);
  });
});
