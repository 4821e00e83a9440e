// Conformance cases for scaledDotProductAttention: the forward output and the q, k and
// v gradients against the f64 reference (attention-reference.ts), over causal masks
// with and without a KV-cache offset, key padding, bool and additive masks, a fully
// masked row, head sizes 16/32/64, several (batch, head) pairs, lengths that are not
// multiples of any tile, and attention dropout (the reference draws the same hashed
// mask; its statistics and p = 0 are checked apart). Run on every backend with its fused kernels and with the
// composed defaults (see conformance.ts).

import { dropoutKeeps } from '../backend/fused/defaults/attention-dropout.js';
import * as T from '../index.js';
import type { Tensor } from '../tensor/tensor.js';
import { assert, assertClose, assertShape, assertThrows, hashString, seededRandom } from './assert.js';
import { type AttentionProblem, attentionBackward, attentionForward, MASKED } from './attention-reference.js';

/** A mask given to the op, and the same mask as the reference reads it. */
interface MaskSpec {
  /** Shape of the mask tensor (broadcastable to (B, H, T, S)). */
  readonly shape: readonly number[];
  readonly dtype: 'bool' | 'f32';
  /** Value at a mask element's multi-index (bool: 1 = masked). */
  readonly value: (idx: readonly number[]) => number;
}

export interface AttentionCase {
  readonly name: string;
  readonly b: number;
  readonly h: number;
  readonly t: number;
  readonly s: number;
  readonly d: number;
  readonly causal?: boolean;
  readonly pastLength?: number;
  readonly scale?: number;
  /** (b, s) → key is padding. */
  readonly keyPadding?: (b: number, j: number) => boolean;
  readonly mask?: MaskSpec;
  /** Attention dropout with an explicit seed. */
  readonly dropout?: { readonly p: number; readonly seed: number };
}

export const attentionCases: readonly AttentionCase[] = [
  { name: 'no mask, B2 H3 T5 S7 D16', b: 2, h: 3, t: 5, s: 7, d: 16 },
  { name: 'causal self-attention, T = S = 19, D32', b: 1, h: 2, t: 19, s: 19, d: 32, causal: true },
  {
    name: 'causal with a KV cache: 5 new queries after 6 cached keys, D64',
    b: 2,
    h: 2,
    t: 5,
    s: 11,
    d: 64,
    causal: true,
  },
  {
    name: 'causal decoding one token over 37 keys, pastLength given, D64',
    b: 2,
    h: 2,
    t: 1,
    s: 37,
    d: 64,
    causal: true,
    pastLength: 36,
  },
  {
    name: 'key padding (B, S) with one batch row fully padded (uniform rows), D32',
    b: 2,
    h: 2,
    t: 13,
    s: 13,
    d: 32,
    keyPadding: (b, j) => b === 1 || j >= 10,
  },
  {
    name: 'causal and key padding over T = S = 70 (past one 64-row tile), D16',
    b: 2,
    h: 2,
    t: 70,
    s: 70,
    d: 16,
    causal: true,
    keyPadding: (b, j) => b === 0 && j >= 61,
  },
  {
    name: 'causal with left padding: the first queries of one row see only padding (uniform rows), D32',
    b: 2,
    h: 2,
    t: 12,
    s: 12,
    d: 32,
    causal: true,
    keyPadding: (b, j) => b === 1 && j < 3,
  },
  {
    name: 'bool mask (B, 1, T, S) as GPT combines causal and padding, with a fully masked row, D16',
    b: 2,
    h: 3,
    t: 11,
    s: 11,
    d: 16,
    mask: {
      shape: [2, 1, 11, 11],
      dtype: 'bool',
      value: ([b, , i, j]) => (j! > i! || (b === 1 && j! < 3) || (b === 0 && i === 4) ? 1 : 0),
    },
  },
  {
    name: 'additive f32 mask (1, H, 1, S) with −∞ and lowest-f32 entries, custom scale, D32',
    b: 2,
    h: 2,
    t: 9,
    s: 21,
    d: 32,
    scale: 0.3,
    mask: {
      shape: [1, 2, 1, 21],
      dtype: 'f32',
      value: ([, h, , j]) =>
        j === 4 ? Number.NEGATIVE_INFINITY : j === 7 ? MASKED : Math.sin(j! + 3 * h!) * 2,
    },
  },
  {
    name: 'bool mask (T, S) of rank 2 with key padding, T = S = 33, D64',
    b: 1,
    h: 3,
    t: 33,
    s: 33,
    d: 64,
    mask: { shape: [33, 33], dtype: 'bool', value: ([i, j]) => ((i! * 7 + j! * 3) % 5 === 0 ? 1 : 0) },
    keyPadding: (_, j) => j === 32,
  },
  {
    name: 'dropout 0.3, causal self-attention over T = S = 70 (past one 64-row tile), D32',
    b: 2,
    h: 2,
    t: 70,
    s: 70,
    d: 32,
    causal: true,
    dropout: { p: 0.3, seed: 12_345 },
  },
  {
    name: 'dropout 0.5 with key padding and a fully padded batch row (uniform rows dropped too), D16',
    b: 2,
    h: 3,
    t: 9,
    s: 13,
    d: 16,
    keyPadding: (b, j) => b === 1 || j >= 10,
    dropout: { p: 0.5, seed: 4_000_000_000 },
  },
  {
    name: 'dropout 0.1 with a KV cache: 6 new queries after 5 cached keys and a bool mask, D64',
    b: 1,
    h: 2,
    t: 6,
    s: 11,
    d: 64,
    causal: true,
    mask: { shape: [1, 1, 6, 11], dtype: 'bool', value: ([, , i, j]) => (i === 2 && j === 1 ? 1 : 0) },
    dropout: { p: 0.1, seed: 3 },
  },
];

function strides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length).fill(1);
  for (let d = shape.length - 2; d >= 0; d--) out[d] = out[d + 1]! * shape[d + 1]!;
  return out;
}

function maskValues(spec: MaskSpec): number[] {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const st = strides(spec.shape);
  return Array.from({ length: size }, (_, flat) =>
    spec.value(st.map((s, d) => Math.floor(flat / s) % spec.shape[d]!)),
  );
}

function problemOf(c: AttentionCase): AttentionProblem {
  const mask = c.mask;
  let bias: AttentionProblem['bias'] = null;
  if (mask) {
    const offset = 4 - mask.shape.length;
    bias = (b, h, i, j) => {
      const idx = [b, h, i, j].slice(offset).map((x, d) => (mask.shape[d] === 1 ? 0 : x));
      const value = mask.value(idx);
      return mask.dtype === 'bool' ? (value ? MASKED : 0) : value;
    };
  }
  return {
    b: c.b,
    h: c.h,
    t: c.t,
    s: c.s,
    d: c.d,
    scale: c.scale ?? 1 / Math.sqrt(c.d),
    causal: c.causal ?? false,
    pastLength: c.pastLength ?? c.s - c.t,
    keyPadding: c.keyPadding
      ? Array.from({ length: c.b * c.s }, (_, f) => c.keyPadding!(Math.floor(f / c.s), f % c.s))
      : null,
    bias,
    dropout: c.dropout ?? null,
  };
}

function normals(count: number, random: () => number): number[] {
  return Array.from({ length: count }, () => {
    const u = random() || 1e-9;
    return Math.fround(Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random()));
  });
}

/** Runs one case on the current backend and checks output and gradients. */
export async function runAttentionCase(c: AttentionCase): Promise<void> {
  const random = seededRandom(hashString(c.name));
  const p = problemOf(c);
  const qv = normals(c.b * c.h * c.t * c.d, random);
  const kv = normals(c.b * c.h * c.s * c.d, random);
  const vv = normals(c.b * c.h * c.s * c.d, random);
  const weights = normals(c.b * c.h * c.t * c.d, random);
  const expected = attentionForward(p, qv, kv, vv);
  const grads = attentionBackward(p, qv, kv, vv, weights);

  const kept: Tensor[] = [];
  try {
    const result = T.tidy(() => {
      const q = T.tensor(qv, [c.b, c.h, c.t, c.d], { requiresGrad: true }).keep();
      const k = T.tensor(kv, [c.b, c.h, c.s, c.d], { requiresGrad: true }).keep();
      const v = T.tensor(vv, [c.b, c.h, c.s, c.d], { requiresGrad: true }).keep();
      kept.push(q, k, v);
      const mask = c.mask ? T.tensor(maskValues(c.mask), c.mask.shape, { dtype: c.mask.dtype }) : null;
      const keyPaddingMask = p.keyPadding
        ? T.tensor(p.keyPadding.map(Number), [c.b, c.s], { dtype: 'bool' })
        : null;
      const options = {
        causal: c.causal ?? false,
        ...(c.pastLength === undefined ? {} : { pastLength: c.pastLength }),
        ...(c.scale === undefined ? {} : { scale: c.scale }),
        mask,
        keyPaddingMask,
        ...(c.dropout ? { dropout: c.dropout.p, dropoutSeed: c.dropout.seed } : {}),
      };
      // Without a gradient to record the kernels may skip the row statistics: same output.
      const inference = T.noGrad(() => T.scaledDotProductAttention(q, k, v, options)).keep();
      const out = T.scaledDotProductAttention(q, k, v, options);
      T.sum(T.mul(out, T.tensor(weights, out.shape))).backward();
      return { out: out.keep(), inference, dq: q.grad!.keep(), dk: k.grad!.keep(), dv: v.grad!.keep() };
    });
    kept.push(result.out, result.inference, result.dq, result.dk, result.dv);
    assertShape(result.out.shape, [c.b, c.h, c.t, c.d], `${c.name}: output`);
    assertClose(await result.out.data(), expected, { rtol: 1e-4, atol: 1e-4 }, `${c.name}: forward`);
    assertClose(
      await result.inference.data(),
      expected,
      { rtol: 1e-4, atol: 1e-4 },
      `${c.name}: forward without gradient`,
    );
    for (const [name, actual, reference] of [
      ['q', result.dq, grads.dq],
      ['k', result.dk, grads.dk],
      ['v', result.dv, grads.dv],
    ] as const) {
      const scale = Math.max(...Array.from(reference, Math.abs), 1e-3);
      assertClose(
        await actual.data(),
        reference,
        { rtol: 1e-3, atol: 2e-4 * scale },
        `${c.name}: gradient of ${name}`,
      );
    }
  } finally {
    for (const t of kept) t.dispose();
  }
}

/**
 * Attention dropout's mask read back through the op: with q = k = 0 every probability
 * is 1/S, and with v the (S, S) identity (D = S) the output is Z/S, Z the dropout
 * factors. Checks that Z is exactly the hash's mask scaled by 1/(1 − p) (forward and
 * the no-grad forward), that the kept fraction is 1 − p within 5 standard deviations
 * of a binomial (n = B·H·T·S = 32,768), that p = 0 equals no dropout bit for bit, that
 * a seed repeats and another seed differs, and that manualSeed makes a default seed repeat.
 */
export async function checkAttentionDropout(): Promise<void> {
  const [b, h, t, s] = [2, 4, 64, 64];
  const p = 0.3;
  const seed = 2_024;
  const kept: Tensor[] = [];
  try {
    const q = T.zeros([b, h, t, s]);
    const eye = T.tensor(
      Array.from({ length: b * h * s * s }, (_, f) => (Math.floor(f / s) % s === f % s ? 1 : 0)),
      [b, h, s, s],
    );
    kept.push(q, eye);
    const withGrad = T.tidy(() => {
      const qq = T.zeros([b, h, t, s], { requiresGrad: true });
      const out = T.scaledDotProductAttention(qq, qq, eye, { dropout: p, dropoutSeed: seed });
      T.sum(out).backward();
      return out;
    });
    const inference = T.scaledDotProductAttention(q, q, eye, { dropout: p, dropoutSeed: seed });
    kept.push(withGrad, inference);
    let keptCount = 0;
    for (const [label, out] of [
      ['forward', withGrad],
      ['no-grad forward', inference],
    ] as const) {
      const z = await out.data();
      const expected = new Float64Array(z.length);
      keptCount = 0;
      for (let head = 0; head < b * h; head++)
        for (let i = 0; i < t; i++)
          for (let j = 0; j < s; j++) {
            const keeps = dropoutKeeps(p, seed, head, i, j);
            keptCount += keeps ? 1 : 0;
            expected[(head * t + i) * s + j] = keeps ? 1 / (s * (1 - p)) : 0;
          }
      assertClose(z, expected, { rtol: 1e-5, atol: 1e-7 }, `dropout mask through the ${label}`);
    }
    const n = b * h * t * s;
    const bound = 5 * Math.sqrt((p * (1 - p)) / n);
    assert(
      Math.abs(keptCount / n - (1 - p)) <= bound,
      `kept fraction ${keptCount / n} is not 1 − p = ${1 - p} within ${bound.toFixed(4)}`,
    );

    T.manualSeed(7);
    const x = T.randn([b, 2, 10, 8], { seed: 5 });
    kept.push(x);
    const data = (options: T.AttentionOpOptions) => {
      const out = T.scaledDotProductAttention(x, x, x, { causal: true, ...options });
      kept.push(out);
      return out.data();
    };
    const plain = Array.from(await data({}));
    assert(
      JSON.stringify(Array.from(await data({ dropout: 0, dropoutSeed: 9 }))) === JSON.stringify(plain),
      'dropout 0 is not exactly no dropout',
    );
    const once = Array.from(await data({ dropout: 0.2, dropoutSeed: 9 }));
    const again = Array.from(await data({ dropout: 0.2, dropoutSeed: 9 }));
    const other = Array.from(await data({ dropout: 0.2, dropoutSeed: 10 }));
    assert(JSON.stringify(once) === JSON.stringify(again), 'the same dropout seed gave another output');
    assert(JSON.stringify(once) !== JSON.stringify(other), 'two dropout seeds gave the same output');
    assert(JSON.stringify(once) !== JSON.stringify(plain), 'dropout 0.2 changed nothing');
    T.manualSeed(7);
    const first = Array.from(await data({ dropout: 0.2 }));
    T.manualSeed(7);
    const second = Array.from(await data({ dropout: 0.2 }));
    assert(JSON.stringify(first) === JSON.stringify(second), 'manualSeed did not repeat the default seed');
  } finally {
    for (const x of kept) x.dispose();
  }
}

/** The op's refusals, each naming what is wrong, on the current backend. */
export function checkAttentionErrors(): void {
  const q = T.zeros([1, 2, 3, 4]);
  const k = T.zeros([1, 2, 5, 4]);
  const cases: [() => unknown, RegExp, string][] = [
    [() => T.scaledDotProductAttention(T.zeros([2, 3, 4]), k, k), /q must be \(B, H, len, D\)/, 'rank'],
    [() => T.scaledDotProductAttention(q, T.zeros([1, 2, 5, 3]), k), /k and v must be \(B, H, S, D\)/, 'D'],
    [() => T.scaledDotProductAttention(q, T.zeros([1, 2, 0, 4]), T.zeros([1, 2, 0, 4])), /no keys/, 'S = 0'],
    [
      () => T.scaledDotProductAttention(k, q, q, { causal: true }),
      /more queries \(5\) than keys \(3\) needs options.pastLength/,
      'causal T > S',
    ],
    [
      () => T.scaledDotProductAttention(q, k, k, { keyPaddingMask: T.zeros([1, 5]) }),
      /options.keyPaddingMask must be bool/,
      'padding dtype',
    ],
    [
      () => T.scaledDotProductAttention(q, k, k, { keyPaddingMask: T.zeros([1, 4], { dtype: 'bool' }) }),
      /keyPaddingMask must be \(B, S\) = \[1, 5\]/,
      'padding shape',
    ],
    [
      () => T.scaledDotProductAttention(q, k, k, { mask: T.zeros([3, 4], { dtype: 'bool' }) }),
      /options.mask \[3, 4\] does not broadcast to \(B, H, T, S\) = \[1, 2, 3, 5\]/,
      'mask shape',
    ],
    [() => T.scaledDotProductAttention(q, k, k, { pastLength: -1 }), /pastLength/, 'pastLength'],
    [() => T.scaledDotProductAttention(q, k, k, { dropout: 1 }), /options: dropout: /, 'dropout 1'],
    [() => T.scaledDotProductAttention(q, k, k, { dropout: -0.1 }), /options: dropout: /, 'dropout < 0'],
    [
      () => T.scaledDotProductAttention(q, k, k, { dropout: 0.1, dropoutSeed: 2 ** 32 }),
      /options: dropoutSeed: /,
      'dropout seed',
    ],
  ];
  try {
    for (const [run, pattern, label] of cases) T.tidy(() => assertThrows(run, pattern, label));
  } finally {
    q.dispose();
    k.dispose();
  }
}

/** Forward and backward in a tidy leave no tensor and no device memory behind. */
export async function checkAttentionMemory(): Promise<void> {
  const q = T.randn([2, 2, 9, 8], { seed: 1, requiresGrad: true });
  const mask = T.tensor([1, 0, 0, 0, 0, 0, 0, 0, 1], [1, 9], { dtype: 'bool' });
  const step = async () => {
    const probe = T.tidy(() => {
      T.sum(
        T.scaledDotProductAttention(q, q, q, { causal: true, keyPaddingMask: T.expand(mask, [2, 9]) }),
      ).backward();
      return T.sum(q.grad!);
    });
    await probe.data();
    probe.dispose();
    q.grad?.dispose();
    q.grad = null;
  };
  await step();
  const before = T.memory();
  for (let i = 0; i < 3; i++) await step();
  const after = T.memory();
  assert(after.numTensors === before.numTensors, `tensors: ${before.numTensors} → ${after.numTensors}`);
  assert(
    after.device.bytesInUse === before.device.bytesInUse,
    `bytes in use: ${before.device.bytesInUse} → ${after.device.bytesInUse}`,
  );
  q.dispose();
  mask.dispose();
}
