// Conformance cases for backends that split tensors past a binding limit (WebGPU's
// `maxStorageBufferBindingSize`: 128 MiB on many adapters, less than GPT-2's token
// embedding). Register the backend under test with its bindings capped at 1 KiB (256
// f32) and every case below crosses that cap in a different layout — broadcasts,
// strided copies, reductions along each axis, row kernels, matmul in every transpose
// and batch layout, index ops, AdamW — so each split path runs with small tensors.
// Outputs and gradients (of Σ out·w for a fixed random w) are compared with a
// reference backend, with the backend's fused kernels and again without them.
import * as T from '../index.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { assert, assertClose, assertShape, hashString, seededRandom } from './assert.js';
import type { InputSpec } from './cases.js';
import type { ConformanceHost } from './conformance.js';

/** A case checked by agreement with a reference backend (no f64 reference: tensors are large). */
export interface AgreementCase {
  readonly name: string;
  readonly inputs: readonly InputSpec[];
  readonly run: (...inputs: Tensor[]) => Tensor;
  /** Inputs whose gradients are compared (default: every f32 input); false for none. */
  readonly grad?: readonly number[] | false;
  /** |a − r| ≤ tol·(1 + |r|) (default 1e-4). */
  readonly tol?: number;
}

const f = (shape: readonly number[], kind: InputSpec['kind'] = 'normal'): InputSpec => ({ shape, kind });
const ints = (shape: readonly number[], low: number, high: number): InputSpec => ({
  shape,
  dtype: 'i32',
  kind: 'int',
  low,
  high,
});
const fixedInts = (shape: readonly number[], at: (i: number) => number): InputSpec => ({
  shape,
  dtype: 'i32',
  values: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => at(i)),
});

const ADAMW = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 3 };

/** Every case has a tensor of more than 256 f32 (1 KiB); most have several. */
export const largeTensorCases: readonly AgreementCase[] = [
  // Element-wise: broadcasting inputs and outputs cut into boxes.
  { name: 'add [37,29] + [29]', inputs: [f([37, 29]), f([29])], run: (a, b) => T.add(a, b) },
  { name: 'mul [1000] by a scalar', inputs: [f([1000])], run: (a) => T.mul(a, 0.5) },
  {
    name: 'sub [1,300] − [5,1] (an outer broadcast)',
    inputs: [f([1, 300]), f([5, 1])],
    run: (a, b) => T.sub(a, b),
  },
  {
    name: 'where [40,1] ? [40,30] : [30]',
    inputs: [{ shape: [40, 1], dtype: 'bool', kind: 'bool' }, f([40, 30]), f([30])],
    run: (c, a, b) => T.where(c, a, b),
  },
  { name: 'gelu [33,40]', inputs: [f([33, 40])], run: (x) => T.gelu(x) },
  { name: 'tanh [33,40]', inputs: [f([33, 40])], run: (x) => T.tanh(x) },
  // Strided copies: a transposed source walks the whole buffer for each output row.
  { name: 'transpose [40,30]', inputs: [f([40, 30])], run: (x) => T.transpose(x, 0, 1) },
  { name: 'permute [6,50,7] to (2,0,1)', inputs: [f([6, 50, 7])], run: (x) => T.permute(x, [2, 0, 1]) },
  {
    name: 'slice and concat along axis 1',
    inputs: [f([30, 40]), f([30, 11])],
    run: (x, y) => T.concat([T.slice(x, [null, [3, 33]]), y], 1),
  },
  // Reductions along each axis of a [70, 50] input, and over all of it.
  { name: 'sum axis 0 [70,50]', inputs: [f([70, 50])], run: (x) => T.sum(x, 0) },
  { name: 'sum axis 1 [70,50]', inputs: [f([70, 50])], run: (x) => T.sum(x, 1) },
  { name: 'sum of all [2000]', inputs: [f([2000])], run: (x) => T.sum(x) },
  { name: 'mean axis 1 [3,400,5]', inputs: [f([3, 400, 5])], run: (x) => T.mean(x, 1) },
  { name: 'max axis 0 [70,50]', inputs: [f([70, 50])], run: (x) => T.max(x, 0) },
  { name: 'min axis 1 [70,50]', inputs: [f([70, 50])], run: (x) => T.min(x, 1) },
  { name: 'mean of all [1000]', inputs: [f([1000])], run: (x) => T.mean(x) },
  {
    name: 'argmax axis 0 [300,4] with ties (first index wins)',
    inputs: [ints([300, 4], 0, 3)],
    run: (x) => T.argmax(x, 0),
    grad: false,
  },
  {
    name: 'argmin axis 1 [4,300] with ties',
    inputs: [ints([4, 300], 0, 3)],
    run: (x) => T.argmin(x, 1),
    grad: false,
  },
  { name: 'argmax of all [1500]', inputs: [f([1500])], run: (x) => T.argmax(x), grad: false },
  // Row kernels: short rows (one thread each) and long rows (a workgroup each).
  { name: 'softmax [40,30]', inputs: [f([40, 30])], run: (x) => T.softmax(x) },
  { name: 'softmax [12,150]', inputs: [f([12, 150])], run: (x) => T.softmax(x) },
  { name: 'logSoftmax [40,30]', inputs: [f([40, 30])], run: (x) => T.logSoftmax(x) },
  { name: 'logSoftmax [12,150]', inputs: [f([12, 150])], run: (x) => T.logSoftmax(x) },
  {
    name: 'layerNorm [40,30] with weight and bias',
    inputs: [f([40, 30]), f([30]), f([30])],
    run: (x, w, b) => T.layerNorm(x, 30, { weight: w, bias: b }),
    tol: 1e-3,
  },
  {
    name: 'layerNorm [12,150] without affine',
    inputs: [f([12, 150])],
    run: (x) => T.layerNorm(x, 150),
    tol: 1e-3,
  },
  {
    name: 'crossEntropy [40,30] with ignored targets',
    inputs: [f([40, 30]), fixedInts([40], (i) => (i % 7 === 3 ? -100 : (i * 13) % 30))],
    run: (x, t) => T.crossEntropy(x, t, { reduction: 'none' }),
  },
  {
    name: 'crossEntropy [12,150], mean',
    inputs: [f([12, 150]), fixedInts([12], (i) => (i * 37) % 150)],
    run: (x, t) => T.crossEntropy(x, t),
  },
  // Matmul: every operand past the cap in turn, every transpose, batches.
  { name: 'matmul NN [40,30]·[30,50]', inputs: [f([40, 30]), f([30, 50])], run: (a, b) => T.matmul(a, b) },
  {
    name: 'matmul NT [40,30]·[50,30]ᵀ',
    inputs: [f([40, 30]), f([50, 30])],
    run: (a, b) => T.matmul(a, b, { transposeB: true }),
  },
  {
    name: 'matmul TN [30,40]ᵀ·[30,50]',
    inputs: [f([30, 40]), f([30, 50])],
    run: (a, b) => T.matmul(a, b, { transposeA: true }),
  },
  {
    name: 'matmul TT [30,40]ᵀ·[50,30]ᵀ',
    inputs: [f([30, 40]), f([50, 30])],
    run: (a, b) => T.matmul(a, b, { transposeA: true, transposeB: true }),
  },
  {
    name: 'matmul with a long k [4,600]·[600,3]',
    inputs: [f([4, 600]), f([600, 3])],
    run: (a, b) => T.matmul(a, b),
  },
  {
    name: 'matmul with only C past the cap [100,2]·[2,100]',
    inputs: [f([100, 2]), f([2, 100])],
    run: (a, b) => T.matmul(a, b),
  },
  {
    name: 'linear (tied head) [2,20,30]·[50,30]ᵀ',
    inputs: [f([2, 20, 30]), f([50, 30])],
    run: (x, w) => T.linear(x, w),
  },
  {
    name: 'matmul batched [3,40,30]·[30,20]',
    inputs: [f([3, 40, 30]), f([30, 20])],
    run: (a, b) => T.matmul(a, b),
  },
  {
    name: 'matmul broadcast batches [2,1,20,30]·[3,30,20]',
    inputs: [f([2, 1, 20, 30]), f([3, 30, 20])],
    run: (a, b) => T.matmul(a, b),
  },
  {
    name: 'matmul many small batches [64,4,8]·[64,8,4]ᵀ',
    inputs: [f([64, 4, 8]), f([64, 4, 8])],
    run: (a, b) => T.matmul(a, b, { transposeB: true }),
  },
  {
    name: 'skinny matmul (a decoding step) [1,64]·[50,64]ᵀ',
    inputs: [f([1, 64]), f([50, 64])],
    run: (a, b) => T.matmul(a, b, { transposeB: true }),
  },
  { name: 'skinny matmul [2,64]·[64,40]', inputs: [f([2, 64]), f([64, 40])], run: (a, b) => T.matmul(a, b) },
  // Index ops: tables, outputs and sources past the cap.
  {
    name: 'embedding [301,7] (a table in row windows)',
    inputs: [f([301, 7]), fixedInts([2, 3], (i) => [0, 300, 150, 36, 37, 299][i]!)],
    run: (w, ids) => T.embedding(ids, w),
  },
  {
    name: 'embedding of 300 ids from [40,8] (a gradient source past the cap)',
    inputs: [f([40, 8]), ints([300], 0, 40)],
    run: (w, ids) => T.embedding(ids, w),
  },
  {
    name: 'indexSelect axis 1 of [5,60,4]',
    inputs: [f([5, 60, 4]), fixedInts([10], (i) => (i * 17) % 60)],
    run: (x, ids) => T.indexSelect(x, 1, ids),
  },
  {
    name: 'gather axis 0 of [80,6] (and scatterAdd in its gradient)',
    inputs: [f([80, 6]), ints([50, 6], 0, 80)],
    run: (x, ids) => T.gather(x, 0, ids),
  },
  {
    name: 'scatterAdd into [90,5] along axis 0',
    inputs: [ints([70, 5], 0, 90), f([70, 5])],
    run: (ids, src) => T.scatterAdd([90, 5], 0, ids, src),
  },
  // Selection: rows in windows.
  {
    name: 'topk 5 of [12,150] (values)',
    inputs: [f([12, 150])],
    run: (x) => T.topk(x, 5).values,
  },
  {
    name: 'topk 3 smallest of [40,30] (indices)',
    inputs: [ints([40, 30], 0, 9)],
    run: (x) => T.topk(x, 3, { largest: false }).indices,
    grad: false,
  },
  {
    name: 'multinomial 2 of [12,150] small-integer weights (exact cumulative sums)',
    inputs: [ints([12, 150], 0, 3)],
    run: (w) => T.multinomial(T.cast(w, 'f32'), 2, { seed: 5 }),
    grad: false,
  },
  // AdamW in place on a parameter and moments past the cap.
  {
    name: 'adamwUpdate on [1000]',
    inputs: [f([1000]), f([1000]), f([1000]), f([1000], 'positive')],
    run: (p, g, m, v) => {
      const [param, mean, squares] = [T.clone(p), T.clone(m), T.clone(v)];
      T.adamwUpdate(param, g, mean, squares, ADAMW);
      return T.concat([param, mean, squares]);
    },
    grad: false,
  },
];

function makeInput(spec: InputSpec, random: () => number): { values: number[]; dtype: DType } {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const dtype = spec.dtype ?? 'f32';
  if (spec.values) return { values: [...spec.values], dtype };
  const values: number[] = [];
  for (let i = 0; i < size; i++) {
    const u = random();
    switch (spec.kind ?? 'normal') {
      case 'normal':
        values.push(Math.sqrt(-2 * Math.log(u || 1e-9)) * Math.cos(2 * Math.PI * random()));
        break;
      case 'positive':
        values.push(0.5 + 1.5 * u);
        break;
      case 'unit':
        values.push(-0.9 + 1.8 * u);
        break;
      case 'int':
        values.push(Math.floor((spec.low ?? 0) + ((spec.high ?? 10) - (spec.low ?? 0)) * u));
        break;
      case 'bool':
        values.push(u < 0.5 ? 1 : 0);
        break;
    }
  }
  return { values: dtype === 'f32' ? Array.from(Float32Array.from(values)) : values, dtype };
}

interface CaseResult {
  readonly out: Tensor;
  readonly grads: readonly Tensor[];
  readonly owned: readonly Tensor[];
}

function runOn(
  c: AgreementCase,
  inputs: { values: number[]; dtype: DType }[],
  weights: number[],
): CaseResult {
  const gradInputs =
    c.grad === false ? [] : (c.grad ?? inputs.flatMap((input, i) => (input.dtype === 'f32' ? [i] : [])));
  return T.tidy(() => {
    const tensors = inputs.map((input, i) =>
      T.tensor(input.values, c.inputs[i]!.shape, {
        dtype: input.dtype,
        requiresGrad: gradInputs.includes(i),
      }).keep(),
    );
    const out = c.run(...tensors);
    const grads: Tensor[] = [];
    if (gradInputs.length > 0 && out.dtype === 'f32') {
      T.sum(T.mul(out, T.tensor(weights.slice(0, out.size), out.shape))).backward();
      for (const i of gradInputs) grads.push(tensors[i]!.grad!.keep());
    }
    return { out: out.keep(), grads, owned: [...tensors, out, ...grads] };
  });
}

async function runAgreement(c: AgreementCase, backend: string, reference: string): Promise<void> {
  const random = seededRandom(hashString(c.name));
  const inputs = c.inputs.map((spec) => makeInput(spec, random));
  const weights = Array.from({ length: 1 << 16 }, () => random() * 2 - 1);
  const tol = c.tol ?? 1e-4;
  await T.setBackend(backend);
  const actual = runOn(c, inputs, weights);
  try {
    await T.setBackend(reference);
    const expected = runOn(c, inputs, weights);
    try {
      assertShape(actual.out.shape, expected.out.shape, `${c.name}: output`);
      assert(actual.out.dtype === expected.out.dtype, `${c.name}: dtype ${actual.out.dtype}`);
      assertClose(
        await actual.out.data(),
        await expected.out.data(),
        { rtol: tol, atol: tol },
        `${c.name}: ${backend} vs ${reference}`,
      );
      assert(actual.grads.length === expected.grads.length, `${c.name}: gradient count`);
      for (let g = 0; g < expected.grads.length; g++) {
        assertClose(
          await actual.grads[g]!.data(),
          await expected.grads[g]!.data(),
          { rtol: tol * 10, atol: tol * 10 },
          `${c.name}: gradient ${g}, ${backend} vs ${reference}`,
        );
      }
    } finally {
      for (const t of expected.owned) t.dispose();
    }
  } finally {
    for (const t of actual.owned) t.dispose();
  }
}

export interface LargeTensorConformanceOptions extends ConformanceHost {
  /** The backend under test, registered with its bindings capped at 1 KiB. */
  backend: string;
  /** The backend whose results are taken as right (e.g. 'cpu'). */
  reference: string;
  /** 'composed': hide the backend's fused kernels (tensor-core's defaults run on its primitives). */
  fusedKernels?: 'backend' | 'composed';
}

/** Registers the large-tensor cases with the host runner. */
export function runLargeTensorConformance(options: LargeTensorConformanceOptions): void {
  const { describe, it, reference } = options;
  let backend = options.backend;
  if (options.fusedKernels === 'composed') {
    const name = `${backend}:composed`;
    const base = backend;
    if (!T.listBackends().includes(name))
      T.registerBackend({
        name,
        priority: -1,
        create: async () => T.withoutFusedKernels(await T.initBackend(base), name),
      });
    backend = name;
  }
  describe(`tensors past a 1 KiB binding: ${backend} vs ${reference}`, () => {
    for (const c of largeTensorCases) it(c.name, () => runAgreement(c, backend, reference));
  });
}
