// AdamW and Adam against a hand-written f64 transcription of PyTorch's update rules
// (torch/optim/adamw.py, adam.py, single-tensor path), on the CPU and WebGPU backends.
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { memory, mul, setBackend, sum, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW } from './adamw.js';

/** Deterministic pseudo-random values in [-1, 1) (an LCG: independent of the code under test). */
function values(n: number, seed: number): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  });
}

interface RefHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** PyTorch AdamW (decoupled) or Adam (L2) for one tensor, in f64. */
function reference(p0: number[], grads: number[][], lrs: number[], h: RefHyper, decoupled: boolean) {
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  grads.forEach((g0, t0) => {
    const t = t0 + 1;
    const lr = lrs[t0]!;
    for (let i = 0; i < p.length; i++) {
      let g = g0[i]!;
      if (decoupled) p[i] = p[i]! * (1 - lr * h.weightDecay);
      else g = g + h.weightDecay * p[i]!;
      m[i] = h.beta1 * m[i]! + (1 - h.beta1) * g;
      v[i] = h.beta2 * v[i]! + (1 - h.beta2) * g * g;
      const bc1 = 1 - h.beta1 ** t;
      const bc2 = 1 - h.beta2 ** t;
      const denom = Math.sqrt(v[i]!) / Math.sqrt(bc2) + h.eps;
      p[i] = p[i]! - (lr / bc1) * (m[i]! / denom);
    }
  });
  return { p, m, v };
}

function expectClose(actual: ArrayLike<number>, expected: readonly number[], tol: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  let at = 0;
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i]! - expected[i]!) / (1e-3 + Math.abs(expected[i]!));
    if (err > worst) at = i;
    worst = Math.max(worst, err);
  }
  if (worst >= tol) console.log(`worst relative error ${worst} at ${at}: ${actual[at]} vs ${expected[at]}`);
  expect(worst).toBeLessThan(tol);
}

const n = 1037; // not a multiple of any workgroup size
const steps = 6;
const p0 = values(n, 1);
const grads = Array.from({ length: steps }, (_, t) => values(n, 100 + t).map((g) => g * (t + 1) * 0.3));
const lrs = [1e-2, 5e-3, 2e-2, 1e-3, 1e-2, 3e-2];

async function run(kind: 'adamw' | 'adam', hyper: RefHyper) {
  const p = tensor(p0, [n]).requireGrad().keep();
  const Opt = kind === 'adamw' ? AdamW : Adam;
  const opt = new Opt([p], {
    lr: lrs[0],
    betas: [hyper.beta1, hyper.beta2],
    eps: hyper.eps,
    weightDecay: hyper.weightDecay,
  });
  for (let t = 0; t < steps; t++) {
    opt.setLr(lrs[t]!);
    p.grad = tensor(grads[t]!, [n]).keep();
    opt.step();
    opt.zeroGrad();
  }
  const state = opt.stateDict();
  const out = {
    p: await p.data(),
    m: await state.tensors.get('state.0.exp_avg')!.data(),
    v: await state.tensors.get('state.0.exp_avg_sq')!.data(),
    steps: (state.meta.steps as Record<string, number>)['0'],
  };
  for (const t of state.tensors.values()) t.dispose();
  opt.dispose();
  p.dispose();
  return out;
}

// The CPU kernel works in f64 and only rounds what it stores, so it agrees to f32
// rounding. The WebGPU kernel does the whole update in f32 (1 − β comes exact from the
// host), which over several steps drifts by about 1e-5 relative.
const tolerance: Record<string, number> = { cpu: 1e-5, webgpu: 3e-5 };

describe.each(['cpu', 'webgpu'])('AdamW / Adam on %s', (backend) => {
  const tol = tolerance[backend]!;
  it('matches the f64 PyTorch AdamW formula over 6 steps with a changing lr', async () => {
    await setBackend(backend);
    const h = { lr: 0, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 };
    const got = await run('adamw', h);
    const want = reference(p0, grads, lrs, h, true);
    expectClose(got.p, want.p, tol);
    expectClose(got.m, want.m, tol);
    expectClose(got.v, want.v, tol);
    expect(got.steps).toBe(steps);
  });

  it('matches the f64 PyTorch Adam formula (L2 folded into the gradient)', async () => {
    await setBackend(backend);
    const h = { lr: 0, beta1: 0.8, beta2: 0.999, eps: 1e-6, weightDecay: 0.05 };
    const got = await run('adam', h);
    const want = reference(p0, grads, lrs, h, false);
    expectClose(got.p, want.p, tol);
    expectClose(got.m, want.m, tol);
  });

  it('AdamW with zero decay equals Adam with zero decay', async () => {
    await setBackend(backend);
    const h = { lr: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
    const a = await run('adamw', h);
    const b = await run('adam', h);
    expect(Array.from(a.p)).toEqual(Array.from(b.p));
  });

  it('updates from gradients computed by autograd and leaks no tensors', async () => {
    await setBackend(backend);
    const c = values(8, 7);
    const w = tensor(values(8, 3), [2, 4]).requireGrad().keep();
    const opt = new AdamW([['w', w]], { lr: 0.1, weightDecay: 0 });
    const counts: number[] = [];
    for (let t = 0; t < 3; t++) {
      tidy(() => {
        const loss: Tensor = sum(mul(w, tensor(c, [2, 4])));
        loss.backward(); // dL/dw = c, the same every step
      });
      opt.step();
      opt.zeroGrad();
      counts.push(memory().numTensors);
    }
    expect(counts[2]).toBe(counts[0]); // no tensor accumulates per step
    // With a constant gradient g, m̂ = g and v̂ = g² exactly, so each step moves by lr·g/(|g| + eps).
    const want = values(8, 3).map((w0, i) => w0 - 3 * 0.1 * (c[i]! / (Math.abs(c[i]!) + 1e-8)));
    expectClose(await w.data(), want, tol);
    opt.dispose();
    w.dispose();
  });
});

describe('AdamW options', () => {
  it('rejects bad hyperparameters naming the field', async () => {
    await setBackend('cpu');
    const p = tensor([1, 2]).requireGrad();
    expect(() => new AdamW([p], { lr: -1 })).toThrow(/lr/);
    expect(() => new AdamW([p], { betas: [1, 0.9] })).toThrow(/betas\[0\]/);
    expect(() => new AdamW([{ params: [p] }, { params: [tensor([1]).requireGrad()], eps: 0 }])).toThrow(
      /groups\[1\].*eps/,
    );
    expect(() => new AdamW([p, p])).toThrow(/more than once/);
    expect(() => new AdamW([tensor([1, 2])])).toThrow(/does not require grad/);
    expect(() => new AdamW([])).toThrow(/non-empty/);
  });

  it('skips parameters without a gradient (their step count stays 0)', async () => {
    await setBackend('cpu');
    const a = tensor([1, 2]).requireGrad();
    const b = tensor([3, 4]).requireGrad();
    const opt = new AdamW([a, b], { lr: 0.5, weightDecay: 0 });
    a.grad = tensor([1, -1]).keep();
    opt.step();
    expect(Array.from(await b.data())).toEqual([3, 4]);
    expect(opt.stateDict().meta.steps).toEqual({ '0': 1 });
  });
});
