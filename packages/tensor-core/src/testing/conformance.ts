// The backend conformance suite: every op case (forward against the f64 reference,
// backward against finite differences of it), optionally agreement with a reference
// backend, plus properties no table captures: random streams, sampling statistics,
// memory hygiene, known values and error messages. Any test runner can host it.
// With `fusedKernels: 'composed'` it runs against the backend with its fused kernels
// hidden, so tensor-core's composed defaults are tested on that backend's primitives.
import * as T from '../index.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  assert,
  assertClose,
  assertRejects,
  assertShape,
  assertThrows,
  hashString,
  seededRandom,
} from './assert.js';
import {
  attentionCases,
  checkAttentionDropout,
  checkAttentionErrors,
  checkAttentionMemory,
  runAttentionCase,
} from './attention-cases.js';
import { type InputSpec, type OpCase, opCases } from './cases.js';
import { type Nd, nd } from './reference.js';

export interface ConformanceHost {
  describe: (name: string, body: () => void) => void;
  it: (name: string, body: () => Promise<void>, timeoutMs?: number) => void;
}

export interface ConformanceOptions extends ConformanceHost {
  /** Name of the registered backend under test. */
  backend: string;
  /** Also compare every case with this registered backend (e.g. 'cpu'). */
  reference?: string;
  /** Only run cases whose name matches. */
  filter?: RegExp;
  /**
   * 'backend' (default): the backend as it is, its fused kernels included. 'composed':
   * the same backend with its fused kernels hidden (see `withoutFusedKernels`),
   * registered as `<backend>:composed`: the op cases and every group that reaches a
   * fused kernel run on tensor-core's composed defaults.
   */
  fusedKernels?: 'backend' | 'composed';
}

/** Registers (once) `<name>:composed`: the named backend without its fused kernels. */
function registerComposed(name: string): string {
  const composedName = `${name}:composed`;
  if (!T.listBackends().includes(composedName)) {
    T.registerBackend({
      name: composedName,
      priority: -1,
      create: async () => T.withoutFusedKernels(await T.initBackend(name), composedName),
    });
  }
  return composedName;
}

function makeInput(spec: InputSpec, random: () => number): { values: number[]; dtype: DType } {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.dtype ?? 'f32';
  if (spec.values) return { values: [...spec.values], dtype };
  const values: number[] = [];
  for (let i = 0; i < size; i++) {
    switch (spec.kind ?? 'normal') {
      case 'normal': {
        const u = random() || 1e-9;
        values.push(Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random()));
        break;
      }
      case 'positive':
        values.push(0.5 + 1.5 * random());
        break;
      case 'unit':
        values.push(-0.9 + 1.8 * random());
        break;
      case 'int':
        values.push(Math.floor((spec.low ?? 0) + ((spec.high ?? 10) - (spec.low ?? 0)) * random()));
        break;
      case 'bool':
        values.push(random() < 0.5 ? 1 : 0);
        break;
    }
  }
  // Round through f32 so the reference sees exactly the values the backend holds.
  return { values: dtype === 'f32' ? Array.from(Float32Array.from(values)) : values, dtype };
}

function scalarLoss(out: Nd, weights: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < out.data.length; i++) total += out.data[i]! * weights[i]!;
  return total;
}

async function runCase(c: OpCase, backend: string, reference: string | undefined): Promise<void> {
  await T.setBackend(backend);
  const random = seededRandom(hashString(c.name));
  const inputs = c.inputs.map((spec) => makeInput(spec, random));
  const refInputs = inputs.map((input, i) => nd(c.inputs[i]!.shape, input.values));
  const expected = c.reference(...refInputs);
  const expectedDtype = c.dtype ?? 'f32';
  const tol = c.tol ?? 1e-5;
  const differentiable = c.grad !== false && expectedDtype === 'f32';
  const gradInputs = !differentiable
    ? []
    : (c.grad ?? inputs.map((input, i) => (input.dtype === 'f32' ? i : -1)).filter((i) => i >= 0));
  const weights = Array.from({ length: expected.data.length }, () => random() * 2 - 1);

  const run = () =>
    T.tidy(() => {
      const tensors = inputs.map((input, i) =>
        T.tensor(input.values, c.inputs[i]!.shape, {
          dtype: input.dtype,
          requiresGrad: gradInputs.includes(i),
        }).keep(),
      );
      const out = c.run(...tensors);
      let grads: Tensor[] = [];
      if (gradInputs.length > 0) {
        const loss = T.sum(T.mul(out, T.tensor(weights, out.shape)));
        loss.backward();
        grads = gradInputs.map((i) => tensors[i]!.grad!.keep());
      }
      return { tensors, out: out.keep(), grads };
    });

  const result = run();
  try {
    assertShape(result.out.shape, expected.shape, `${c.name}: output`);
    assert(
      result.out.dtype === expectedDtype,
      `${c.name}: dtype ${result.out.dtype}, expected ${expectedDtype}`,
    );
    const actual = await result.out.data();
    assertClose(actual, expected.data, { rtol: tol, atol: tol }, `${c.name}: forward`);

    // Backward: central differences of the f64 reference, per element of each input.
    for (const [g, inputIndex] of gradInputs.entries()) {
      const analytic = await result.grads[g]!.data();
      const base = refInputs[inputIndex]!;
      const numeric = new Float64Array(base.data.length);
      for (let e = 0; e < base.data.length; e++) {
        const h = 1e-5 * Math.max(1, Math.abs(base.data[e]!));
        const perturbed = (delta: number) => {
          const data = Float64Array.from(base.data);
          data[e]! += delta;
          const args = refInputs.map((x, i) => (i === inputIndex ? { shape: x.shape, data } : x));
          return scalarLoss(c.reference(...args), weights);
        };
        numeric[e] = (perturbed(h) - perturbed(-h)) / (2 * h);
      }
      const scale = Math.max(...Array.from(numeric, Math.abs), 1e-3);
      const rtol = c.gradTol ?? 1e-3;
      assertClose(
        analytic,
        numeric,
        { rtol, atol: rtol * 0.1 * scale },
        `${c.name}: gradient of input ${inputIndex}`,
      );
    }

    if (reference && reference !== backend) {
      await T.setBackend(reference);
      const other = run();
      try {
        const ref = await other.out.data();
        assertClose(actual, ref, { rtol: tol * 10, atol: tol * 10 }, `${c.name}: ${backend} vs ${reference}`);
        for (let g = 0; g < other.grads.length; g++) {
          assertClose(
            await result.grads[g]!.data(),
            await other.grads[g]!.data(),
            { rtol: 1e-4, atol: 1e-5 },
            `${c.name}: gradient ${g}, ${backend} vs ${reference}`,
          );
        }
      } finally {
        for (const t of [...other.tensors, other.out, ...other.grads]) t.dispose();
        await T.setBackend(backend);
      }
    }
  } finally {
    for (const t of [...result.tensors, result.out, ...result.grads]) t.dispose();
  }
}

/** Registers the whole suite with the host runner (vitest's describe/it, node:test, jest…). */
export function runBackendConformance(options: ConformanceOptions): void {
  const { describe, it, reference, filter } = options;
  const composed = options.fusedKernels === 'composed';
  const backend = composed ? registerComposed(options.backend) : options.backend;
  const use = () => T.setBackend(backend);

  describe(`backend conformance: ${backend}`, () => {
    if (composed) {
      describe('composed defaults', () => {
        it('the backend under test runs none of its own fused kernels', async () => {
          const wrapper = await use();
          const own = T.fusedKernelsOf(wrapper);
          assert(own.length === 0, `fused kernels still reachable: ${own.join(', ')}`);
        });
      });
    }

    describe('op cases (forward vs f64 reference, backward vs finite differences)', () => {
      for (const c of opCases) {
        if (filter && !filter.test(c.name)) continue;
        it(c.name, () => runCase(c, backend, reference));
      }
    });

    describe('scaledDotProductAttention (forward and q, k, v gradients vs the f64 reference)', () => {
      for (const c of attentionCases) {
        if (filter && !filter.test(c.name)) continue;
        it(c.name, async () => {
          await use();
          await runAttentionCase(c);
        });
      }
      it('refuses bad shapes, masks and lengths, naming the option', async () => {
        await use();
        checkAttentionErrors();
      });
      it('dropout: the hashed mask, kept fraction ≈ 1 − p, scaling 1/(1 − p), p = 0 is no dropout, seeds repeat', async () => {
        await use();
        await checkAttentionDropout();
      });
      it('forward and backward in a tidy leave no tensor or device memory behind', async () => {
        await use();
        await checkAttentionMemory();
      });
    });

    if (!composed) {
      describe('random streams', () => {
        it('rand and randn follow the counter-based generator exactly', async () => {
          await use();
          const key = T.rng.keyFromSeed(1234);
          const u = await T.rand([257], { seed: 1234 }).data();
          const n = await T.randn([257], { seed: 1234, mean: 1, std: 2 }).data();
          assertClose(
            u,
            Array.from({ length: 257 }, (_, i) => T.rng.uniformAt(key, i)),
            { rtol: 0, atol: 1e-7 },
            'rand',
          );
          assertClose(
            n,
            Array.from({ length: 257 }, (_, i) => 1 + 2 * T.rng.normalAt(key, 0, i)),
            { rtol: 1e-5, atol: 1e-5 },
            'randn',
          );
        });

        it('manualSeed makes the default stream reproducible and draws do not overlap', async () => {
          await use();
          T.manualSeed(7);
          const a = await T.rand([64]).data();
          const b = await T.rand([64]).data();
          T.manualSeed(7);
          const a2 = await T.rand([64]).data();
          assertClose(a2, a, { rtol: 0, atol: 0 }, 'same seed');
          assert(
            a.some((v, i) => v !== b[i]),
            'consecutive draws must differ',
          );
        });

        it('randn has mean ≈ 0 and std ≈ 1 over 20,000 draws', async () => {
          await use();
          const v = Array.from(await T.randn([20000], { seed: 99 }).data());
          const m = v.reduce((s, x) => s + x, 0) / v.length;
          const sd = Math.sqrt(v.reduce((s, x) => s + (x - m) ** 2, 0) / v.length);
          assert(Math.abs(m) < 0.03 && Math.abs(sd - 1) < 0.03, `mean ${m}, std ${sd}`);
        });

        it('dropout keeps ≈ 1 − p of the elements, scaled by 1/(1 − p), and is identity in eval', async () => {
          await use();
          const x = T.ones([10000]);
          const y = await T.dropout(x, 0.25, { seed: 3 }).data();
          const kept = y.filter((v) => v !== 0);
          assert(Math.abs(kept.length / 10000 - 0.75) < 0.02, `kept fraction ${kept.length / 10000}`);
          assert(
            kept.every((v) => Math.abs(v - 1 / 0.75) < 1e-6),
            'kept elements are scaled by 1/(1-p)',
          );
          const same = await T.dropout(x, 0.25, { seed: 3 }).data();
          assertClose(same, y, { rtol: 0, atol: 0 }, 'same seed, same mask');
          assert(T.dropout(x, 0.5, { training: false }) === x, 'eval mode returns the input');
        });

        it('multinomial frequencies follow the weights; without replacement never repeats', async () => {
          await use();
          const probs = T.tensor([[0.1, 0.6, 0.3, 0]]);
          const draws = await T.multinomial(probs, 6000, { replacement: true, seed: 5 }).data();
          const counts = [0, 0, 0, 0];
          for (const d of draws) counts[d]!++;
          assert(counts[3] === 0, 'a zero-weight category is never drawn');
          assertClose(
            counts.map((c) => c / 6000),
            [0.1, 0.6, 0.3, 0],
            { rtol: 0, atol: 0.025 },
            'frequencies',
          );
          const unique = await T.multinomial(T.tensor([1, 2, 3, 4, 5]), 5, { seed: 11 }).data();
          assert(new Set(unique).size === 5, `without replacement: ${Array.from(unique)}`);
        });
      });
    }

    describe('known values', () => {
      it('softmax of a row with a huge entry stays finite', async () => {
        await use();
        const y = await T.softmax(
          T.tensor([
            [1e30, 0, -1e30],
            [88, 89, 90],
          ]),
        ).data();
        assert(y.every(Number.isFinite), `non-finite softmax: ${Array.from(y)}`);
        assertClose(y.slice(0, 3), [1, 0, 0], { rtol: 0, atol: 1e-7 }, 'dominant entry');
        const lsm = await T.logSoftmax(T.tensor([1000, 0])).data();
        assertClose(lsm, [0, -1000], { rtol: 1e-6, atol: 1e-6 }, 'logSoftmax of large logits');
      });

      it('cross-entropy of uniform logits over V classes is ln V', async () => {
        await use();
        for (const v of [2, 39, 50257]) {
          const loss = await T.crossEntropy(
            T.zeros([3, v]),
            T.tensor([0, 1, v - 1], { dtype: 'i32' }),
          ).item();
          assertClose([loss], [Math.log(v)], { rtol: 1e-5, atol: 1e-6 }, `ln ${v}`);
        }
      });

      it("the seeds' cross-attention exercise gives rows of [67036.8047, 71226.6016, 75416.3984]", async () => {
        await use();
        // GPT-2 BPE ids of "I travelled to Lisbon in July to attend an NLP summer school" and "I like traveling".
        const s1 = T.tensor([[40, 21650, 284, 41898, 287, 2901, 284, 5262, 281, 399, 19930, 3931, 1524]]);
        const s2 = T.tensor([[40, 588, 11300]]);
        const q = T.matmul(T.transpose(s2), T.tensor([[0.1, 0.2, 0.3]]));
        const k = T.matmul(T.transpose(s1), T.tensor([[0.7, 0.8, 0.9]]));
        const v = T.matmul(T.transpose(s1), T.tensor([[1.6, 1.7, 1.8]]));
        const scores = T.div(T.matmul(q, T.transpose(k)), Math.sqrt(3));
        const out = await T.matmul(T.softmax(scores, 1), v).data();
        const row = [67036.8047, 71226.6016, 75416.3984];
        assertClose(out, [...row, ...row, ...row], { rtol: 1e-6, atol: 0 }, 'attention rows');
      });
    });

    if (!composed) {
      describe('shapes', () => {
        it('handles odd sizes (1, 3, 17, 257) and zero-size dimensions', async () => {
          await use();
          for (const n of [1, 3, 17, 257]) {
            const x = T.arange(0, n, 1, { dtype: 'f32' });
            const s = await T.sum(T.mul(x, 2)).item();
            assertClose([s], [n * (n - 1)], { rtol: 1e-6, atol: 0 }, `sum of 2·arange(${n})`);
          }
          const empty = T.zeros([0, 3]);
          assertShape(T.add(empty, T.ones([3])).shape, [0, 3], 'broadcast with an empty tensor');
          assertShape(T.matmul(empty, T.ones([3, 2])).shape, [0, 2], 'matmul with zero rows');
          assertClose(await T.sum(empty, 0).data(), [0, 0, 0], { rtol: 0, atol: 0 }, 'sum over zero rows');
          assertShape(T.concat([empty, T.ones([2, 3])]).shape, [2, 3], 'concat with an empty part');
        });

        it('toArray nests by shape and item reads scalars', async () => {
          await use();
          const x = T.tensor([
            [1, 2, 3],
            [4, 5, 6],
          ]);
          const nested = await x.toArray();
          assert(JSON.stringify(nested) === '[[1,2,3],[4,5,6]]', `toArray gave ${JSON.stringify(nested)}`);
          assert((await T.tensor(2.5).item()) === 2.5, 'item of a scalar');
          const flags = await T.greater(x, 3).toArray();
          assert(
            JSON.stringify(flags) === '[[false,false,false],[true,true,true]]',
            'bool tensors read as booleans',
          );
        });
      });
    }

    if (!composed) {
      describe('autograd semantics', () => {
        it('gradients accumulate across backward calls and paths, and detach/noGrad cut the graph', async () => {
          await use();
          const x = T.tensor([1, 2, 3], { requiresGrad: true });
          T.sum(T.mul(x, x)).backward();
          T.sum(T.mul(x, 3)).backward();
          assertClose(await x.grad!.data(), [5, 7, 9], { rtol: 1e-6, atol: 0 }, '2x + 3');
          x.grad!.dispose();
          x.grad = null;
          const y = T.add(
            T.mul(x, x.detach()),
            T.noGrad(() => T.mul(x, 10)),
          );
          assert(!T.noGrad(() => T.mul(x, 2)).requiresGrad, 'noGrad output does not require grad');
          T.sum(y).backward();
          assertClose(
            await x.grad!.data(),
            [1, 2, 3],
            { rtol: 1e-6, atol: 0 },
            'detached factor is a constant',
          );
        });

        it('assign updates a leaf in place (views see it) and refuses to run with grad recording on', async () => {
          await use();
          const p = T.tensor([1, 2, 3, 4], { requiresGrad: true });
          const view = p.detach().reshape([2, 2]);
          assertThrows(
            () => T.assign(p, T.zeros([4])),
            /assign: a tensor that requires grad can only be assigned inside noGrad/,
            'grad mode',
          );
          assertThrows(
            () => T.noGrad(() => T.assign(p, T.zeros([3]))),
            /assign: value of shape \[3\] does not match the target's \[4\]/,
            'shape',
          );
          T.noGrad(() => T.assign(p, T.tensor([5, 6, 7, 8])));
          assertClose(await view.data(), [5, 6, 7, 8], { rtol: 0, atol: 0 }, 'view sees the update');
        });

        it('a cast to the same dtype keeps the gradient; tril keeps a bool mask bool', async () => {
          await use();
          const x = T.tensor([1, 2], { requiresGrad: true });
          T.sum(T.mul(T.cast(x, 'f32'), 3)).backward();
          assertClose(await x.grad!.data(), [3, 3], { rtol: 0, atol: 0 }, 'gradient through cast');
          const mask = T.tril(T.ones([3, 3], { dtype: 'bool' }));
          assert(mask.dtype === 'bool', `tril of bool gave ${mask.dtype}`);
          assert(
            JSON.stringify(await mask.toArray()) ===
              '[[true,false,false],[true,true,false],[true,true,true]]',
            'tril mask',
          );
        });

        it('backward through a freed graph is an error unless retainGraph', async () => {
          await use();
          const x = T.tensor([1, 2], { requiresGrad: true });
          const loss = T.sum(T.exp(x));
          loss.backward(undefined, { retainGraph: true });
          loss.backward();
          assertClose(
            await x.grad!.data(),
            [2 * Math.E, 2 * Math.E ** 2],
            { rtol: 1e-6, atol: 0 },
            'twice e^x',
          );
          assertThrows(() => loss.backward(), /freed by an earlier backward/, 'third backward');
        });
      });
    }

    describe('optimizer update', () => {
      it('adamwUpdate follows the f64 formula over three steps, in place on param and moments', async () => {
        await use();
        const random = seededRandom(hashString('adamwUpdate'));
        const n = 37;
        const init = Array.from({ length: n }, () => random() * 2 - 1);
        const h = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 };
        const p = T.tensor(init, { requiresGrad: true });
        const view = p.detach();
        const m = T.zeros([n]);
        const v = T.zeros([n]);
        // Independent reference: the AdamW update (PyTorch's) in f64, one element at a time.
        const ref = {
          p: Float32Array.from(init).map(Number),
          m: new Array<number>(n).fill(0),
          v: new Array<number>(n).fill(0),
        };
        for (let step = 1; step <= 3; step++) {
          const g = Array.from({ length: n }, () => random() * 4 - 2);
          const grad = T.tensor(g);
          T.noGrad(() => T.adamwUpdate(p, grad, m, v, { ...h, step }));
          grad.dispose();
          for (let i = 0; i < n; i++) {
            const gi = Math.fround(g[i]!);
            ref.m[i] = h.beta1 * ref.m[i]! + (1 - h.beta1) * gi;
            ref.v[i] = h.beta2 * ref.v[i]! + (1 - h.beta2) * gi * gi;
            const mHat = ref.m[i]! / (1 - h.beta1 ** step);
            const vHat = ref.v[i]! / (1 - h.beta2 ** step);
            ref.p[i] = ref.p[i]! * (1 - h.lr * h.weightDecay) - (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
          }
        }
        assertClose(await m.data(), ref.m, { rtol: 1e-5, atol: 1e-6 }, 'first moment');
        assertClose(await v.data(), ref.v, { rtol: 1e-5, atol: 1e-7 }, 'second moment');
        assertClose(await p.data(), ref.p, { rtol: 1e-5, atol: 1e-6 }, 'parameter');
        assertClose(await view.data(), ref.p, { rtol: 1e-5, atol: 1e-6 }, 'a view sees the update');
        for (const t of [p, view, m, v]) t.dispose();
      });

      it('adamwUpdate refuses to run while recording, and names a mismatched tensor', async () => {
        await use();
        const p = T.ones([3], { requiresGrad: true });
        const g = T.ones([3]);
        const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1 };
        assertThrows(
          () => T.adamwUpdate(p, g, T.zeros([3]), T.zeros([3]), h),
          /adamwUpdate: a parameter that requires grad can only be updated inside noGrad/,
          'grad mode',
        );
        assertThrows(
          () => T.noGrad(() => T.adamwUpdate(p, g, T.zeros([3]), T.zeros([4]), h)),
          /adamwUpdate: expAvgSq must have shape \[3\], got \[4\]/,
          'shape',
        );
        assertThrows(
          () => T.noGrad(() => T.adamwUpdate(p, g, T.zeros([3]), T.zeros([3]), { ...h, step: 0 })),
          /adamwUpdate: invalid options: step/,
          'step',
        );
        assertClose(await p.data(), [1, 1, 1], { rtol: 0, atol: 0 }, 'refused updates change nothing');
        for (const t of [p, g]) t.dispose();
      });
    });

    describe('memory', () => {
      it('memory() returns to its starting count after a tidy around a training step', async () => {
        await use();
        let w = T.randn([8, 4], { seed: 1, requiresGrad: true });
        let b = T.zeros([4], { requiresGrad: true });
        const x = T.randn([16, 8], { seed: 2 });
        const target = T.tensor(
          Array.from({ length: 16 }, (_, i) => i % 4),
          { dtype: 'i32' },
        );
        const losses: number[] = [];
        const step = async () => {
          const [loss, nextW, nextB] = T.tidy(() => {
            const logits = T.add(T.matmul(x, w), b);
            const loss = T.crossEntropy(T.dropout(T.gelu(T.layerNorm(logits, 4)), 0.1), target);
            loss.backward();
            return [
              loss.detach(),
              ...T.noGrad(() => [T.sub(w, T.mul(w.grad!, 0.5)), T.sub(b, T.mul(b.grad!, 0.5))]),
            ];
          }) as [Tensor, Tensor, Tensor];
          losses.push(await loss.item());
          loss.dispose();
          w.dispose();
          b.dispose();
          w = nextW.requireGrad();
          b = nextB.requireGrad();
        };
        await step();
        const before = T.memory();
        for (let i = 0; i < 5; i++) await step();
        const after = T.memory();
        assert(after.numTensors === before.numTensors, `tensors: ${before.numTensors} → ${after.numTensors}`);
        assert(
          after.device.bytesInUse === before.device.bytesInUse,
          `bytes in use: ${before.device.bytesInUse} → ${after.device.bytesInUse}`,
        );
        assert(losses.at(-1)! < losses[0]!, `loss should fall: ${losses.join(', ')}`);
        for (const t of [w, b, x, target]) t.dispose();
      });

      it('disposing a view keeps the storage for the other views', async () => {
        await use();
        const x = T.tensor([1, 2, 3, 4]);
        const v = T.reshape(x, [2, 2]);
        x.dispose();
        assertClose(await v.data(), [1, 2, 3, 4], { rtol: 0, atol: 0 }, 'view after its base was disposed');
        v.dispose();
      });
    });

    describe('out-of-range indices', () => {
      // The contract (see Backend in backend/backend.ts): a bad index never yields a
      // number. It may throw at the op (cpu) or when a result is next read (webgpu's
      // device-side flag), and the error names the op and the index.
      const rejectsByRead = async (make: () => Tensor, pattern: RegExp, label: string) => {
        await use();
        const made: Tensor[] = [];
        try {
          await assertRejects(
            async () => {
              const out = make();
              made.push(out);
              await out.data();
            },
            pattern,
            label,
          );
        } finally {
          for (const t of made) t.dispose();
        }
      };
      const ids = (values: number[]) => T.tensor(values, [values.length], { dtype: 'i32' });

      it('indexSelect and embedding reject an index past the axis or below 0', async () => {
        await rejectsByRead(
          () => T.indexSelect(T.ones([3, 2]), 0, ids([0, 3])),
          /indexSelect: .*\b3\b/,
          'past',
        );
        await rejectsByRead(
          () => T.indexSelect(T.ones([2, 3]), 1, ids([-1])),
          /indexSelect: .*-1\b/,
          'below 0',
        );
        // Embedding is an indexSelect of the table's rows: either name is the op.
        await rejectsByRead(
          () => T.embedding(ids([5, 57]), T.ones([39, 4])),
          /(embedding|indexSelect): .*\b57\b/,
          'embedding',
        );
      });

      it('gather and scatterAdd reject an index past the axis', async () => {
        const index = T.tensor([0, 2, 5, 1], [2, 2], { dtype: 'i32' });
        await rejectsByRead(() => T.gather(T.ones([2, 3]), 1, index), /gather: .*\b5\b/, 'gather');
        await rejectsByRead(
          () => T.scatterAdd([2, 3], 1, index, T.ones([2, 2])),
          /scatterAdd: .*\b5\b/,
          'scatterAdd',
        );
        index.dispose();
      });

      it('crossEntropy rejects a target past the classes, and the ignore index stays legal', async () => {
        // The composed default finds the target by a gather: an asynchronous backend
        // reports a bad one under that name when the result is read.
        const op = composed ? '(crossEntropy|gather)' : 'crossEntropy';
        await rejectsByRead(
          () => T.crossEntropy(T.zeros([2, 3]), ids([0, 4])),
          new RegExp(`${op}: .*\\b4\\b`),
          'target past the classes',
        );
        await rejectsByRead(
          () => T.crossEntropy(T.zeros([2, 3]), ids([-2, 0])),
          new RegExp(`${op}: .*-2\\b`),
          'negative target',
        );
        // Ignored rows (the default -100, or a pad id past the classes) count nothing.
        const logits = T.tensor([0, Math.log(3), 0, 0, 0, 0], [2, 3]);
        const byDefault = await T.crossEntropy(logits, ids([1, -100])).item();
        assertClose([byDefault], [Math.log(5 / 3)], { rtol: 1e-5, atol: 1e-6 }, 'ignoreIndex -100');
        const padded = await T.crossEntropy(logits, ids([7, 1]), { ignoreIndex: 7 }).item();
        assertClose([padded], [Math.log(3)], { rtol: 1e-5, atol: 1e-6 }, 'ignoreIndex 7');
        logits.dispose();
      });

      it('a backward pass through a bad index rejects by the time its gradient is read', async () => {
        const table = T.ones([4, 2], { requiresGrad: true });
        await rejectsByRead(
          () => {
            T.sum(T.indexSelect(table, 0, ids([1, 9]))).backward();
            return table.grad!;
          },
          /(indexSelect|indexAdd): .*\b9\b/,
          'indexSelect backward',
        );
        table.dispose();
      });

      it('the error is reported once: the backend then computes right again', async () => {
        await rejectsByRead(() => T.indexSelect(T.ones([3]), 0, ids([3])), /indexSelect/, 'bad index');
        const y = T.indexSelect(T.tensor([10, 20, 30]), 0, ids([2, 0]));
        assertClose(await y.data(), [30, 10], { rtol: 0, atol: 0 }, 'next gather');
        y.dispose();
      });
    });

    if (!composed) {
      describe('errors', () => {
        it('name the op and the shapes', async () => {
          await use();
          assertThrows(
            () => T.add(T.ones([2, 3]), T.ones([4])),
            /add: shapes \[2, 3\] and \[4\] cannot be broadcast/,
            'broadcast',
          );
          assertThrows(
            () => T.matmul(T.ones([2, 3]), T.ones([4, 5])),
            /matmul: inner dimensions differ: \[2, 3\] · \[4, 5\]/,
            'matmul',
          );
          assertThrows(
            () => T.reshape(T.ones([2, 3]), [4, 2]),
            /reshape: cannot reshape \[2, 3\]/,
            'reshape',
          );
          assertThrows(
            () => T.crossEntropy(T.ones([2, 3]), T.ones([2])),
            /crossEntropy: targets must be i32, got f32/,
            'dtype',
          );
          const x = T.ones([2]);
          x.dispose();
          assertThrows(
            () => T.exp(x),
            /exp: tensor #\d+ of shape \[2\] was used after dispose/,
            'use after dispose',
          );
          const y = T.mul(T.ones([2, 2], { requiresGrad: true }), 2);
          assertThrows(
            () => y.backward(),
            /backward: called on a non-scalar tensor of shape \[2, 2\] without a gradient/,
            'non-scalar backward',
          );
          assertThrows(
            () => T.ones([2], { dtype: 'i32', requiresGrad: true }),
            /only f32 tensors can require gradients/,
            'int grad',
          );
        });
      });
    }
  });
}
