// LSTM against PyTorch's gate equations written by hand in f64 (gates i, f, g, o; both
// bias vectors; stacked layers), the padding mask, and gradients against central finite
// differences of that f64 reference.
import '@tensorlm/backend-cpu';
import { manualSeed, randn, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../../test/reference.js';
import { LSTM } from './lstm.js';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

interface RefLayer {
  wih: Float64Array;
  whh: Float64Array;
  bih: Float64Array;
  bhh: Float64Array;
}

/**
 * torch.nn.LSTM in f64: for each layer and step, gates = W_ih·x + b_ih + W_hh·h + b_hh
 * split (i, f, g, o); c' = σ(f)·c + σ(i)·tanh(g); h' = σ(o)·tanh(c'). Where mask is 0 the
 * state stays. Returns the last layer's outputs (B, T, H) and the final h, c (L, B, H).
 */
function referenceLSTM(
  layers: RefLayer[],
  x: Float64Array,
  [b, t, inputSize]: [number, number, number],
  hidden: number,
  mask?: number[],
): { output: number[]; h: number[]; c: number[] } {
  let input = x;
  let inSize = inputSize;
  const hs: number[][] = [];
  const cs: number[][] = [];
  for (const { wih, whh, bih, bhh } of layers) {
    const out = new Float64Array(b * t * hidden);
    const hFin: number[] = [];
    const cFin: number[] = [];
    for (let r = 0; r < b; r++) {
      let h = new Float64Array(hidden);
      let c = new Float64Array(hidden);
      for (let s = 0; s < t; s++) {
        if (mask && mask[r * t + s] === 0) {
          out.set(h, (r * t + s) * hidden);
          continue;
        }
        const gates = Array.from({ length: 4 * hidden }, (_, k) => {
          let sum = bih[k]! + bhh[k]!;
          for (let i = 0; i < inSize; i++) sum += wih[k * inSize + i]! * input[(r * t + s) * inSize + i]!;
          for (let j = 0; j < hidden; j++) sum += whh[k * hidden + j]! * h[j]!;
          return sum;
        });
        const nc = new Float64Array(hidden);
        const nh = new Float64Array(hidden);
        for (let j = 0; j < hidden; j++) {
          const ig = sigmoid(gates[j]!);
          const fg = sigmoid(gates[hidden + j]!);
          const gg = Math.tanh(gates[2 * hidden + j]!);
          const og = sigmoid(gates[3 * hidden + j]!);
          nc[j] = fg * c[j]! + ig * gg;
          nh[j] = og * Math.tanh(nc[j]!);
        }
        h = nh;
        c = nc;
        out.set(h, (r * t + s) * hidden);
      }
      hFin.push(...h);
      cFin.push(...c);
    }
    hs.push(hFin);
    cs.push(cFin);
    input = out;
    inSize = hidden;
  }
  return { output: [...input], h: hs.flat(), c: cs.flat() };
}

async function f64(t: Tensor): Promise<Float64Array> {
  return Float64Array.from(await t.data());
}

async function refLayers(lstm: LSTM): Promise<RefLayer[]> {
  const p = new Map(lstm.namedParameters());
  return Promise.all(
    Array.from({ length: lstm.numLayers }, async (_, l) => ({
      wih: await f64(p.get(`weight_ih_l${l}`)!),
      whh: await f64(p.get(`weight_hh_l${l}`)!),
      bih: await f64(p.get(`bias_ih_l${l}`)!),
      bhh: await f64(p.get(`bias_hh_l${l}`)!),
    })),
  );
}

describe('LSTM', () => {
  it('matches the PyTorch LSTM equations (gates i, f, g, o) computed in f64', async () => {
    manualSeed(2);
    const lstm = new LSTM(3, 4);
    expect(lstm.namedParameters().map(([n, p]) => `${n} [${p.shape.join(', ')}]`)).toEqual([
      'weight_ih_l0 [16, 3]',
      'weight_hh_l0 [16, 4]',
      'bias_ih_l0 [16]',
      'bias_hh_l0 [16]',
    ]);
    const x = randn([2, 5, 3], { seed: 3 });
    const out = tidy(() => lstm.forward(x));
    expect(out.output.shape).toEqual([2, 5, 4]);
    expect(out.h.shape).toEqual([1, 2, 4]);
    const ref = referenceLSTM(await refLayers(lstm), await f64(x), [2, 5, 3], 4);
    expect(maxAbsDiff(await out.output.data(), ref.output)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await out.h.data(), ref.h)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await out.c.data(), ref.c)).toBeLessThan(1e-5);
    // Continuing from the returned state equals running the longer sequence at once.
    const first = tidy(() => lstm.forward(x.narrow(1, 0, 2)));
    const rest = tidy(() => lstm.forward(x.narrow(1, 2, 3), { h: first.h, c: first.c }));
    expect(maxAbsDiff(await rest.h.data(), ref.h)).toBeLessThan(1e-5);
    expect(lstm.toString()).toBe('LSTM(3, 4, batch_first=True)');
    lstm.dispose();
  });

  it('stacks layers with PyTorch names and state (L, B, H); a mask keeps the state through padding', async () => {
    manualSeed(5);
    const lstm = new LSTM(3, 4, { numLayers: 3 });
    expect(lstm.namedParameters().map(([n]) => n)).toEqual(
      [0, 1, 2].flatMap((l) => [`weight_ih_l${l}`, `weight_hh_l${l}`, `bias_ih_l${l}`, `bias_hh_l${l}`]),
    );
    expect(lstm.namedParameters()[4]![1].shape).toEqual([16, 4]); // layer 1 reads H, not the input
    const x = randn([2, 4, 3], { seed: 6 });
    const mask = [0, 0, 1, 1, 1, 1, 1, 1]; // row 0 left-padded by two steps
    const out = tidy(() => lstm.forward(x, null, { mask: tensor(mask, [2, 4], { dtype: 'i32' }) }));
    expect(out.h.shape).toEqual([3, 2, 4]);
    const ref = referenceLSTM(await refLayers(lstm), await f64(x), [2, 4, 3], 4, mask);
    expect(maxAbsDiff(await out.output.data(), ref.output)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await out.h.data(), ref.h)).toBeLessThan(1e-5);
    expect(maxAbsDiff(await out.c.data(), ref.c)).toBeLessThan(1e-5);
    // The padded row ends as if its two real steps ran alone.
    const alone = tidy(() => lstm.forward(x.narrow(0, 0, 1).narrow(1, 2, 2)));
    const h = (await out.h.data()) as Float32Array;
    const aloneH = (await alone.h.data()) as Float32Array;
    for (let l = 0; l < 3; l++)
      expect(maxAbsDiff(h.subarray(l * 8, l * 8 + 4), aloneH.subarray(l * 4, l * 4 + 4))).toBeLessThan(1e-6);
    expect(lstm.toString()).toBe('LSTM(3, 4, num_layers=3, batch_first=True)');
    expect(() => lstm.forward(x, { h: out.h.narrow(0, 0, 1), c: out.c })).toThrow(
      /state h and c must be \(3, 2, 4\)/,
    );
    expect(() => new LSTM(3, 4, { numLayers: 0 })).toThrow(/numLayers must be a positive integer/);
    lstm.dispose();
  });

  it('has the gradients of central finite differences of the f64 reference', async () => {
    manualSeed(9);
    const lstm = new LSTM(2, 3, { numLayers: 2 });
    const x = randn([2, 3, 2], { seed: 10 });
    const weights = randn([2, 3, 3], { seed: 11 });
    // loss = Σ output·weights + Σ c_final: reaches every gate and both outputs.
    tidy(() => {
      const out = lstm.forward(x);
      out.output.mul(weights).sum().add(out.c.sum()).backward();
    });
    const xs = await f64(x);
    const ws = await f64(weights);
    const layers = await refLayers(lstm);
    const loss = () => {
      const r = referenceLSTM(layers, xs, [2, 3, 2], 3);
      return r.output.reduce((s, v, i) => s + v * ws[i]!, 0) + r.c.reduce((s, v) => s + v, 0);
    };
    const eps = 1e-6;
    const names = ['wih', 'whh', 'bih', 'bhh'] as const;
    const torchNames = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'];
    const params = new Map(lstm.namedParameters());
    let checked = 0;
    for (const [l, layer] of layers.entries()) {
      for (const [k, key] of names.entries()) {
        const values = layer[key];
        const grad = (await params.get(`${torchNames[k]}_l${l}`)!.grad!.data()) as Float32Array;
        const numeric = values.map((v, i) => {
          values[i] = v + eps;
          const up = loss();
          values[i] = v - eps;
          const down = loss();
          values[i] = v;
          return (up - down) / (2 * eps);
        });
        expect(maxAbsDiff(grad, [...numeric]), `${torchNames[k]}_l${l}`).toBeLessThan(1e-4);
        checked += values.length;
      }
    }
    expect(checked).toBe(lstm.numParameters());
    lstm.dispose();
  });
});
