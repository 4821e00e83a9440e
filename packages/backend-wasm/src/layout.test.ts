// The layout kernels (wasm/layout-kernels.ts) against plain loops written here: axis
// merging, broadcast arithmetic / comparisons / `where` at shapes that are not multiples
// of four lanes and need more than rows × cols, strided copies of rank 1 to 6 (the
// rank > 4 path loops in JS), and the uniform stream bit for bit across the counter's
// 2^32 wrap.
import * as T from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type WasmStorage } from './index.js';
import { coalesce, planRows } from './kernels/layout.js';

function values(n: number, seed: number): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    // Quarter steps: ties between operands are common, so eq/le/ge see equal values.
    return Math.round(((s / 2 ** 32) * 2 - 1) * 8) / 4;
  });
}

const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

/** Row-major index of `index` (over outShape) into a tensor of `shape` broadcast to outShape. */
function broadcastIndex(index: number[], shape: readonly number[], outShape: readonly number[]): number {
  let flat = 0;
  const lead = outShape.length - shape.length;
  for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + (shape[d] === 1 ? 0 : index[lead + d]!);
  return flat;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = i % shape[d]!;
    i = Math.floor(i / shape[d]!);
  }
  return index;
}

beforeAll(async () => {
  await import('./index.js');
  await T.setBackend('wasm');
});

describe('axis merging', () => {
  it('merges axes every operand walks contiguously and drops size-1 axes', () => {
    // (4, 1, 5, 6) dense against a (5, 6) broadcast: one merge of the last two axes.
    expect(
      coalesce(
        [4, 1, 5, 6],
        [
          [30, 30, 6, 1],
          [0, 0, 6, 1],
        ],
      ),
    ).toEqual({
      shape: [4, 30],
      strides: [
        [30, 1],
        [0, 1],
      ],
    });
    // A transpose of the head axes (B, T, H, D) → (B, H, T, D) cannot merge H and T.
    expect(
      coalesce(
        [2, 8, 20, 8],
        [
          [1280, 8, 64, 1],
          [1280, 160, 8, 1],
        ],
      ).shape,
    ).toEqual([2, 8, 20, 8]);
    // The attention mask (1, 1, T, T) against scores (B, H, T, T): rows × cols = B·H × T·T.
    const plan = planRows(
      [3, 2, 5, 5],
      [
        [50, 25, 5, 1],
        [0, 0, 5, 1],
      ],
    )!;
    expect([plan.rows, plan.cols, plan.modes, plan.rowStrides]).toEqual([6, 25, 'dd', [25, 0]]);
    // A column vector (n, 1) against (n, m): one value per row.
    expect(
      planRows(
        [7, 9],
        [
          [1, 0],
          [9, 1],
        ],
      )!.modes,
    ).toBe('sd');
  });
});

const CASES: [number[], number[]][] = [
  [[7], [7]],
  [[3, 5, 7], []],
  [[], [3, 5, 7]],
  [[3, 5, 7], [7]],
  [
    [3, 5, 7],
    [5, 1],
  ],
  [
    [3, 1, 7],
    [1, 5, 1],
  ],
  [
    [2, 3, 1, 5, 6],
    [3, 4, 1, 6],
  ], // more than rows × cols after merging
  [
    [1, 1, 5, 5],
    [2, 3, 5, 5],
  ],
];

describe('broadcast element-wise kernels', () => {
  const arith: [string, (a: number, b: number) => number, (a: T.Tensor, b: T.Tensor) => T.Tensor][] = [
    ['add', (a, b) => a + b, T.add],
    ['sub', (a, b) => a - b, T.sub],
    ['mul', (a, b) => a * b, T.mul],
    ['div', (a, b) => a / b, T.div],
    ['maximum', Math.max, T.maximum],
    ['minimum', Math.min, T.minimum],
  ];
  const compare: [string, (a: number, b: number) => boolean, (a: T.Tensor, b: T.Tensor) => T.Tensor][] = [
    ['eq', (a, b) => a === b, T.equal],
    ['ne', (a, b) => a !== b, T.notEqual],
    ['lt', (a, b) => a < b, T.less],
    ['le', (a, b) => a <= b, T.lessEqual],
    ['gt', (a, b) => a > b, T.greater],
    ['ge', (a, b) => a >= b, T.greaterEqual],
  ];

  it('arithmetic and comparisons match f64 loops at every broadcast layout (NaN included)', async () => {
    let seed = 1;
    for (const [sa, sb] of CASES) {
      const a = values(size(sa), seed++);
      const b = values(size(sb), seed++);
      if (a.length > 2) a[1] = Number.NaN;
      const A = T.tensor(a, sa);
      const B = T.tensor(b, sb);
      for (const [name, fn, op] of [...arith, ...compare]) {
        const out = op(A, B);
        const got = await out.data();
        for (let i = 0; i < got.length; i++) {
          const index = unravel(i, out.shape);
          const va = a[broadcastIndex(index, sa, out.shape)]!;
          const vb = b[broadcastIndex(index, sb, out.shape)]!;
          const want = Number(fn(va, vb));
          const label = `${name} [${sa}] [${sb}] at ${i}`;
          if (Number.isNaN(want)) expect(Number.isNaN(got[i]!), label).toBe(true);
          else expect(got[i], label).toBe(Math.fround(want));
        }
        if (compare.some(([c]) => c === name)) expect(out.dtype).toBe('bool');
        out.dispose();
      }
    }
  });

  it('where selects per element across broadcast condition, f32 and i32 values', async () => {
    const shapes: [number[], number[], number[]][] = [
      [[1, 1, 5, 5], [2, 3, 5, 5], []],
      [[9], [9], [9]],
      [
        [4, 1],
        [1, 7],
        [4, 7],
      ],
      [[2, 1, 3, 1, 5], [3, 4, 5], [5]],
    ];
    let seed = 7;
    for (const [sc, sa, sb] of shapes) {
      const cond = values(size(sc), seed++).map((v) => (v > 0 ? 1 : 0));
      const C = T.tensor(Uint8Array.from(cond), sc, { dtype: 'bool' });
      for (const dtype of ['f32', 'i32'] as const) {
        const a = values(size(sa), seed++).map((v) => (dtype === 'i32' ? Math.round(v * 4) | 0 : v));
        const b = values(size(sb), seed++).map((v) => (dtype === 'i32' ? Math.round(v * 4) | 0 : v));
        const out = T.where(C, T.tensor(a, sa, { dtype }), T.tensor(b, sb, { dtype }));
        expect(out.dtype).toBe(dtype);
        const got = await out.data();
        for (let i = 0; i < got.length; i++) {
          const index = unravel(i, out.shape);
          const want = cond[broadcastIndex(index, sc, out.shape)]
            ? a[broadcastIndex(index, sa, out.shape)]
            : b[broadcastIndex(index, sb, out.shape)];
          expect(got[i], `where [${sc}] [${sa}] [${sb}] ${dtype} at ${i}`).toBe(want);
        }
      }
    }
  });
});

describe('strided copies', () => {
  it('permutations and slices of rank 1 to 6 match index arithmetic (f32, i32, bool)', async () => {
    const cases: [number[], number[]][] = [
      [[13], [0]],
      [
        [5, 7],
        [1, 0],
      ],
      [
        [2, 5, 3, 9],
        [0, 2, 1, 3],
      ], // the attention head split: inner axis stays contiguous
      [
        [3, 4, 5, 6],
        [3, 1, 0, 2],
      ],
      [
        [2, 3, 2, 5, 3],
        [4, 0, 3, 1, 2],
      ],
      [
        [2, 2, 3, 2, 3, 5],
        [5, 4, 3, 2, 1, 0],
      ],
    ];
    let seed = 3;
    for (const [shape, perm] of cases) {
      const x = values(size(shape), seed++);
      for (const dtype of ['f32', 'i32', 'bool'] as const) {
        const data = x.map((v) =>
          dtype === 'f32' ? v : dtype === 'i32' ? Math.round(v * 4) | 0 : v > 0 ? 1 : 0,
        );
        const X = T.tensor(dtype === 'bool' ? Uint8Array.from(data) : data, shape, { dtype });
        const out = T.permute(X, perm); // materialised through copyStrided;
        const got = await out.data();
        for (let i = 0; i < got.length; i++) {
          const index = unravel(i, out.shape);
          const source = new Array<number>(shape.length);
          perm.forEach((p, d) => {
            source[p] = index[d]!;
          });
          let flat = 0;
          for (let d = 0; d < shape.length; d++) flat = flat * shape[d]! + source[d]!;
          expect(got[i], `permute [${shape}] by [${perm}] ${dtype} at ${i}`).toBe(data[flat]);
        }
      }
    }
    // A slice with an offset and a step-1 inner run of 5 (not a multiple of 4 lanes).
    const X = T.tensor(values(6 * 11, 99), [6, 11]);
    const sliced = await X.slice([
      [1, 5],
      [3, 8],
    ]).data();
    const full = await X.data();
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 5; c++) expect(sliced[r * 5 + c]).toBe(full[(r + 1) * 11 + c + 3]);
  });
});

describe('uniform random stream', () => {
  it('is bit-identical to the counter RNG, across the 2^32 wrap of the counter and for [a, b)', async () => {
    const backend = createWasmBackend();
    for (const [offset, n, a, b] of [
      [0, 37, 0, 1],
      [2 ** 32 - 6, 15, 0, 1],
      [2 ** 40 + 3, 9, -2, 3.5],
    ] as const) {
      const params = { size: n, distribution: 'uniform' as const, a, b, seed: 1234, offset };
      const storage = backend.random(params) as WasmStorage;
      const got = await backend.read(storage, 'f32', n);
      const key = T.rng.keyFromSeed(1234);
      for (let i = 0; i < n; i++) {
        expect(got[i], `offset ${offset} + ${i}`).toBe(
          Math.fround(a + (b - a) * T.rng.uniformAt(key, offset + i)),
        );
      }
      backend.release(storage);
    }
  });
});
