// Focused checks of the SIMD kernels at sizes that are not multiples of their blocks
// (4 lanes, the 4×8 matmul tile, the 256-deep k block, the 128-row A block), against
// plain f64 loops written here, plus the backend's memory rules.

import { erf } from '@tensorlm/backend-cpu/kernels';
import * as T from '@tensorlm/tensor-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, nodeWorker, WasmMemoryError } from './index.js';

const EDGE = [1, 3, 5, 17, 33, 129];

function values(n: number, seed: number, scale = 1): number[] {
  let s = seed >>> 0 || 1;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return Math.fround(((s / 2 ** 32) * 2 - 1) * scale);
  });
}

function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  label: string,
): void {
  expect(actual.length, label).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const a = actual[i]!;
    if (Number.isNaN(e)) expect(Number.isNaN(a), `${label}[${i}] should be NaN`).toBe(true);
    else if (!Number.isFinite(e)) expect(a, `${label}[${i}]`).toBe(e);
    else if (Math.abs(a - e) > tol * (1 + Math.abs(e))) {
      throw new Error(`${label}[${i}]: ${a} vs ${e} (tol ${tol})`);
    }
  }
}

/** f64 C = op(A)·op(B) for one matrix. */
function matmulRef(
  a: number[],
  b: number[],
  m: number,
  n: number,
  k: number,
  ta: boolean,
  tb: boolean,
): number[] {
  const c = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[ta ? p * m + i : i * k + p]! * b[tb ? j * k + p : p * n + j]!;
      c[i * n + j] = s;
    }
  return c;
}

beforeAll(async () => {
  await import('./index.js');
  await T.setBackend('wasm');
});

describe('matmul micro-kernel at edge sizes', () => {
  it('matches f64 for every m, n in {1, 3, 5, 17, 33, 129} (k odd), with transposes', async () => {
    await T.setBackend('wasm');
    let seed = 1;
    for (const m of EDGE) {
      for (const n of EDGE) {
        const k = EDGE[(m + n) % EDGE.length]!;
        const ta = (m + n) % 2 === 1;
        const tb = (m * n) % 3 === 0;
        const a = values(m * k, seed++);
        const b = values(k * n, seed++);
        const A = T.tensor(a, ta ? [k, m] : [m, k]);
        const B = T.tensor(b, tb ? [n, k] : [k, n]);
        const C = T.matmul(ta ? T.transpose(A) : A, tb ? T.transpose(B) : B);
        expectClose(
          await C.data(),
          matmulRef(a, b, m, n, k, ta, tb),
          1e-5,
          `m=${m} n=${n} k=${k} ta=${ta} tb=${tb}`,
        );
        T.disposeTensors([A, B, C]);
      }
    }
  });

  it('crosses k blocks (k = 600) and row blocks (m = 129 + 130), and broadcasts a batch', async () => {
    await T.setBackend('wasm');
    const [m, n, k] = [259, 19, 600];
    const a = values(2 * m * k, 7, 0.5);
    const b = values(k * n, 8, 0.5);
    const C = T.matmul(T.tensor(a, [2, m, k]), T.tensor(b, [k, n]));
    const data = await C.data();
    for (let batch = 0; batch < 2; batch++) {
      const ref = matmulRef(a.slice(batch * m * k, (batch + 1) * m * k), b, m, n, k, false, false);
      expectClose(data.subarray(batch * m * n, (batch + 1) * m * n), ref, 1e-5, `batch ${batch}`);
    }
    expect(C.shape).toEqual([2, m, n]);
  });

  it('rows below one tile (m = 1, 2, 3) take the matrix-vector path: strips of 32, 4 and 1 columns', async () => {
    await T.setBackend('wasm');
    for (const [m, n, k, tb] of [
      [1, 70, 37, false], // 2 strips of 32, one of 4, two single columns; k with a tail
      [1, 70, 37, true], // rows of W four at a time, two single rows; dot products with a k tail
      [2, 33, 3, false],
      [3, 5, 8, true],
    ] as const) {
      const a = values(3 * m * k, m + n, 0.5);
      const b = values(k * n, k + n, 0.5);
      // A batch of 3 against one shared B (batch stride 0).
      const C = T.matmul(T.tensor(a, [3, m, k]), tb ? T.transpose(T.tensor(b, [n, k])) : T.tensor(b, [k, n]));
      const data = await C.data();
      for (let batch = 0; batch < 3; batch++) {
        const ref = matmulRef(a.slice(batch * m * k, (batch + 1) * m * k), b, m, n, k, false, tb);
        expectClose(data.subarray(batch * m * n, (batch + 1) * m * n), ref, 1e-5, `m=${m} n=${n} tb=${tb}`);
      }
    }
  });
});

describe('matmul split over two threads', () => {
  it('splits by columns, by rows and by batch (merged and unmerged batch axes), matching f64', async () => {
    const backend = createWasmBackend({ threads: 2, Worker: await nodeWorker() });
    await backend.helper!.ready;
    // The threads claim blocks from a shared counter, so a slow helper may take none;
    // the test hook makes the main thread wait for the helper's first claim.
    backend.helper!.helperFirst = true;
    const blocksBefore = { ...backend.helper!.blocks };
    T.registerBackend({ name: 'wasm-split-test', create: () => backend });
    await T.setBackend('wasm-split-test');
    const jobsBefore = backend.helper!.jobs;
    let seed = 100;
    const check = async (
      label: string,
      batchA: number[],
      batchB: number[],
      [m, n, k]: [number, number, number],
      ta: boolean,
      tb: boolean,
    ) => {
      const countA = batchA.reduce((x, y) => x * y, 1);
      const countB = batchB.reduce((x, y) => x * y, 1);
      const a = values(countA * m * k, seed++, 0.5);
      const b = values(countB * k * n, seed++, 0.5);
      const A = T.tensor(a, [...batchA, ...(ta ? [k, m] : [m, k])]);
      const B = T.tensor(b, [...batchB, ...(tb ? [n, k] : [k, n])]);
      const C = T.matmul(ta ? T.transpose(A, -2, -1) : A, tb ? T.transpose(B, -2, -1) : B);
      const data = await C.data();
      // Batch shapes here: equal, or B's a suffix of A's (broadcast over the leading axes).
      for (let i = 0; i < countA; i++) {
        const j = i % countB;
        const ref = matmulRef(
          a.slice(i * m * k, (i + 1) * m * k),
          b.slice(j * k * n, (j + 1) * k * n),
          m,
          n,
          k,
          ta,
          tb,
        );
        expectClose(data.subarray(i * m * n, (i + 1) * m * n), ref, 1e-5, `${label} product ${i}`);
      }
      T.disposeTensors([A, B, C]);
    };
    // One product, wider than tall: blocks of 16 columns (two panels; the last 12), B
    // transposed (nn's Linear weights), k across three k blocks with an odd tail, A
    // packed once for both threads (m = 37 padded to 40 rows).
    await check('columns', [], [], [37, 300, 517], false, true);
    // The same with A transposed: the shared packing reads A's columns.
    await check('columns, A transposed', [], [], [30, 100, 300], true, false);
    // Taller than wide: 25 blocks of 12 rows (three panels), A transposed.
    await check('rows', [], [], [300, 20, 301], true, false);
    // Five products (3 + 2) against one broadcast B with k in one block (packed once per thread).
    await check('batch, broadcast B', [5], [], [33, 40, 100], false, false);
    // Batch axes (2, 3) with B broadcast over the first only: they do not merge, so each
    // outer index is its own split of three products.
    await check('unmerged batch', [2, 3], [3], [20, 24, 200], false, true);
    // Wider than two column blocks (NC = 4,096): each thread's half crosses a block.
    await check('columns past NC', [], [], [5, 8300, 40], false, true);
    // Three products (2 + 1) against a broadcast B wider than NC: repacked per product.
    await check('broadcast B past NC', [3], [], [5, 4200, 30], false, false);
    // Eight splits (the unmerged batch is two), one posted job each.
    expect(backend.helper!.jobs - jobsBefore).toBeGreaterThanOrEqual(8);
    const blocks = backend.helper!.blocks;
    const total = blocks.total - blocksBefore.total;
    const helper = blocks.helper - blocksBefore.helper;
    // Every block claimed exactly once: the two threads' tallies add up to the blocks cut
    // (each claim is a distinct counter value, so none ran twice), the results above are
    // exact, and the helper ran at least its first claim of each split.
    expect(blocks.main - blocksBefore.main + helper).toBe(total);
    expect(helper).toBeGreaterThanOrEqual(8);
    expect(total).toBeGreaterThan(2 * 8);
    backend.helper!.helperFirst = false;
    await T.setBackend('wasm');
  });
});

describe('element-wise SIMD kernels with a scalar tail', () => {
  const unaryRefs: Record<string, (v: number) => number> = {
    exp: Math.exp,
    tanh: Math.tanh,
    sigmoid: (v) => 1 / (1 + Math.exp(-v)),
    relu: (v) => Math.max(v, 0), // NaN stays NaN, −0 becomes +0
    sqrt: Math.sqrt,
    round: (v) => {
      const r = Math.round(v);
      return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
    },
  };

  it('unary ops match Math at every edge size, including ±∞, NaN and huge inputs', async () => {
    await T.setBackend('wasm');
    for (const n of EDGE) {
      const x = values(n, n, 12);
      if (n >= 5) x.splice(0, 5, Number.NEGATIVE_INFINITY, Number.NaN, 100, -100, 2.5);
      for (const [op, ref] of Object.entries(unaryRefs)) {
        const input = op === 'sqrt' ? x.map(Math.abs) : x;
        const y = (T as unknown as Record<string, (t: T.Tensor) => T.Tensor>)[op]!(T.tensor(input));
        expectClose(
          await y.data(),
          input.map((v) => Math.fround(ref(v))),
          2e-6,
          `${op} n=${n}`,
        );
      }
    }
  });

  it('GELU (tanh form) and its gradient match the f64 formulas', async () => {
    await T.setBackend('wasm');
    const c = Math.sqrt(2 / Math.PI);
    const gelu = (v: number) => 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v ** 3)));
    for (const n of EDGE) {
      const x = values(n, 3 * n, 6);
      const t = T.tensor(x, { requiresGrad: true });
      const y = T.gelu(t);
      T.sum(y).backward();
      expectClose(await y.data(), x.map(gelu), 2e-6, `gelu n=${n}`);
      const h = 1e-4;
      expectClose(
        await t.grad!.data(),
        x.map((v) => (gelu(v + h) - gelu(v - h)) / (2 * h)),
        1e-4,
        `gelu' n=${n}`,
      );
    }
  });

  it('erf and GELU (erf form) match known values and the f64 formulas, with ±∞ and NaN', async () => {
    await T.setBackend('wasm');
    // erf at 0.1, 0.5, 1, 2 and −1.5 (Abramowitz & Stegun, table 7.1).
    const known: [number, number][] = [
      [0.1, 0.112462916],
      [0.5, 0.5204998778],
      [1, 0.8427007929],
      [2, 0.995322265],
      [-1.5, -0.9661051465],
    ];
    expectClose(
      await T.erf(T.tensor(known.map(([x]) => x))).data(),
      known.map(([, y]) => y),
      3e-7,
      'erf table',
    );
    for (const n of EDGE) {
      const x = values(n, 5 * n, 5);
      if (n >= 5) x.splice(0, 5, Number.NEGATIVE_INFINITY, Number.NaN, 30, -30, 0.49999);
      // f64 reference: erf by its Maclaurin series (converges for |x| ≤ 5 in f64), ±1 beyond.
      const erf64 = (v: number) => {
        if (Number.isNaN(v)) return v;
        if (Math.abs(v) > 6) return Math.sign(v);
        let term = v;
        let sum = v;
        for (let i = 1; i < 200; i++) {
          term *= (-v * v) / i;
          sum += term / (2 * i + 1);
        }
        return (2 / Math.sqrt(Math.PI)) * sum;
      };
      expectClose(await T.erf(T.tensor(x)).data(), x.map(erf64), 3e-7, `erf n=${n}`);
      const gelu = (v: number) =>
        Number.isFinite(v) ? 0.5 * v * (1 + erf64(v / Math.SQRT2)) : v < 0 ? Number.NaN : v;
      const y = await T.gelu(T.tensor(x), { approximate: 'none' }).data();
      for (let i = 0; i < n; i++) {
        const e = gelu(x[i]!);
        // −∞ gives NaN (−∞·0) as in the JS kernel; finite lanes agree to 3e-7·(1 + |x|).
        if (Number.isNaN(e)) expect(Number.isNaN(y[i]!), `geluErf(${x[i]})`).toBe(true);
        else if (Math.abs(y[i]! - e) > 3e-7 * (1 + Math.abs(x[i]!)))
          throw new Error(`geluErf(${x[i]}): ${y[i]} vs ${e}`);
      }
    }
  });

  it('binary ops broadcast a scalar, a row and a column', async () => {
    await T.setBackend('wasm');
    for (const n of [17, 33, 129]) {
      const a = values(3 * n, n);
      const row = values(n, n + 1);
      const col = values(3, n + 2);
      const s = await T.sub(T.tensor(a, [3, n]), T.tensor(row)).data();
      expectClose(
        s,
        a.map((v, i) => v - row[i % n]!),
        1e-7,
        `row n=${n}`,
      );
      const d = await T.div(T.tensor(col, [3, 1]), T.tensor(a, [3, n])).data();
      expectClose(
        d,
        a.map((v, i) => col[Math.floor(i / n)]! / v),
        1e-6,
        `column n=${n}`,
      );
      const mx = await T.maximum(T.tensor(a, [3, n]), 0.25).data();
      expectClose(
        mx,
        a.map((v) => Math.max(v, 0.25)),
        0,
        `scalar n=${n}`,
      );
    }
  });
});

describe('reductions, softmax and layer norm', () => {
  it('sum, mean, max and min over the last and a middle axis at edge sizes; NaN wins max', async () => {
    await T.setBackend('wasm');
    for (const n of EDGE) {
      const x = values(5 * n * 3, n);
      const X = T.tensor(x, [5, n, 3]);
      const at = (o: number, s: number, i: number) => x[(o * n + s) * 3 + i]!;
      const ref = (f: (vals: number[]) => number) =>
        Array.from({ length: 15 }, (_, j) =>
          f(Array.from({ length: n }, (_, s) => at(Math.floor(j / 3), s, j % 3))),
        );
      const sum = (v: number[]) => v.reduce((p, q) => p + q, 0);
      expectClose(await T.sum(X, 1).data(), ref(sum), 1e-5, `sum axis 1, n=${n}`);
      expectClose(
        await T.max(X, 1).data(),
        ref((v) => Math.max(...v)),
        0,
        `max axis 1, n=${n}`,
      );
      const last = T.tensor(x, [15, n]);
      const rows = Array.from({ length: 15 }, (_, r) => x.slice(r * n, (r + 1) * n));
      expectClose(
        await T.mean(last, 1).data(),
        rows.map((v) => sum(v) / n),
        1e-5,
        `mean last, n=${n}`,
      );
      expectClose(
        await T.min(last, 1).data(),
        rows.map((v) => Math.min(...v)),
        0,
        `min last, n=${n}`,
      );
    }
    const withNaN = T.tensor([1, Number.NaN, 3, 4, 5, 6, 7]);
    expect(Number.isNaN(await T.max(withNaN).item())).toBe(true);
  });

  it('softmax rows sum to 1, masked (−∞) entries are exactly 0; layer norm matches f64', async () => {
    await T.setBackend('wasm');
    for (const n of EDGE) {
      const x = values(4 * n, n, 5);
      x[0] = Number.NEGATIVE_INFINITY;
      const y = await T.softmax(T.tensor(x, [4, n])).data();
      for (let r = 0; r < 4; r++) {
        const row = x.slice(r * n, (r + 1) * n);
        const peak = Math.max(...row);
        const total = row.reduce(
          (s, v) => s + Math.exp(v - (peak === Number.NEGATIVE_INFINITY ? 0 : peak)),
          0,
        );
        const ref = row.map((v) => Math.exp(v - peak) / total);
        expectClose(y.subarray(r * n, (r + 1) * n), ref, 1e-6, `softmax n=${n} row ${r}`);
      }
      if (n > 1) expect(y[0]).toBe(0);

      const w = values(n, 2 * n);
      const b = values(n, 3 * n);
      const ln = await T.layerNorm(
        T.tensor(
          x.map((v) => (Number.isFinite(v) ? v : 1)),
          [4, n],
        ),
        n,
        {
          weight: T.tensor(w),
          bias: T.tensor(b),
        },
      ).data();
      for (let r = 0; r < 4; r++) {
        const row = x.slice(r * n, (r + 1) * n).map((v) => (Number.isFinite(v) ? v : 1));
        const mu = row.reduce((s, v) => s + v, 0) / n;
        const variance = row.reduce((s, v) => s + (v - mu) ** 2, 0) / n;
        const ref = row.map((v, c) => ((v - mu) / Math.sqrt(variance + 1e-5)) * w[c]! + b[c]!);
        expectClose(ln.subarray(r * n, (r + 1) * n), ref, 2e-5, `layerNorm n=${n} row ${r}`);
      }
    }
  });

  it('the scalar erf used by the JS kernels is within 1.2e-7 of known values', () => {
    expectClose(
      [erf(0.1), erf(1), erf(-2)],
      [0.1124629160182849, 0.8427007929497149, -0.9953222650189527],
      2e-7,
      'erf',
    );
  });
});

describe('log-softmax and cross-entropy', () => {
  it('match f64 at edge widths, with an ignored row, a −∞ logit and per-row gradients', async () => {
    await T.setBackend('wasm');
    for (const n of EDGE) {
      const rows = 5;
      const x = values(rows * n, 7 * n, 6);
      if (n > 1) x[1] = Number.NEGATIVE_INFINITY;
      const targets = Array.from({ length: rows }, (_, r) => (r === 2 ? -100 : (r * 7 + 3) % n));
      if (n > 1) targets[0] = 0; // row 0's target is not the −∞ column
      const lse = Array.from({ length: rows }, (_, r) => {
        const row = x.slice(r * n, (r + 1) * n);
        const peak = Math.max(...row);
        return peak + Math.log(row.reduce((s, v) => s + Math.exp(v - peak), 0));
      });
      const logits = T.tensor(x, [rows, n]);
      const logp = await T.logSoftmax(logits).data();
      expectClose(
        logp,
        x.map((v, i) => v - lse[Math.floor(i / n)]!),
        2e-6,
        `logSoftmax n=${n}`,
      );

      const leaf = T.tensor(x, [rows, n], { requiresGrad: true });
      const loss = T.crossEntropy(leaf, T.tensor(targets, [rows], { dtype: 'i32' }));
      const kept = targets.filter((t) => t !== -100).length;
      const want = targets.reduce((s, t, r) => (t === -100 ? s : s + lse[r]! - x[r * n + t]!), 0) / kept;
      expectClose([await loss.item()], [want], 2e-6, `crossEntropy n=${n}`);
      loss.backward();
      const grad = await leaf.grad!.data();
      const ref = x.map((v, i) => {
        const r = Math.floor(i / n);
        if (targets[r] === -100) return 0;
        return (Math.exp(v - lse[r]!) - (i % n === targets[r] ? 1 : 0)) / kept;
      });
      expectClose(grad, ref, 2e-6, `crossEntropy grad n=${n}`);
    }
    expect(() => T.crossEntropy(T.zeros([2, 3]), T.tensor([1, 3], { dtype: 'i32' }))).toThrow(
      /crossEntropy: a target is out of range: index 3 is out of range for an axis of size 3 \(ignoreIndex is -100\)/,
    );
  });
});

describe('memory', () => {
  it('reuses released blocks of the same size class and counts only live storages', () => {
    const backend = createWasmBackend();
    const a = backend.alloc(1000, 'f32');
    const offset = (a as unknown as { offset: number }).offset;
    backend.release(a);
    expect(backend.memory()).toMatchObject({ bytesInUse: 0, storages: 0 });
    expect(backend.memory().bytesPooled).toBeGreaterThanOrEqual(4000);
    const b = backend.alloc(950, 'f32'); // same class (4 KiB)
    expect((b as unknown as { offset: number }).offset).toBe(offset);
    expect(backend.memory()).toMatchObject({ bytesInUse: 3800, storages: 1, bytesPooled: 0 });
  });

  it('grows the memory for a large tensor and keeps earlier data', async () => {
    const backend = createWasmBackend();
    const first = backend.upload(Float32Array.from([1, 2, 3]), 'f32');
    const before = backend.heap.size;
    const big = backend.fill(8 * 2 ** 20, 'f32', 2); // 32 MiB > the initial 16 MiB
    expect(backend.heap.size).toBeGreaterThan(before);
    expect(Array.from(await backend.read(first, 'f32', 3))).toEqual([1, 2, 3]);
    expect((await backend.read(big, 'f32', 8 * 2 ** 20))[8 * 2 ** 20 - 1]).toBe(2);
  });

  it('a tensor past the 4 GiB wasm32 limit is a WasmMemoryError naming its size', () => {
    const backend = createWasmBackend();
    let error: unknown;
    try {
      backend.alloc(1.5 * 2 ** 30, 'f32');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(WasmMemoryError);
    expect((error as WasmMemoryError).code).toBe('WASM_OUT_OF_MEMORY');
    expect((error as Error).message).toMatch(
      /1610612736 f32 elements.*6442450944 bytes \(6\.00 GiB\).*4 GiB/,
    );
  });

  it('refuses a storage from another backend instance', () => {
    const one = createWasmBackend();
    const other = createWasmBackend();
    const s = one.alloc(4, 'f32');
    expect(() => other.release(s)).toThrow(/another backend/);
  });
});
