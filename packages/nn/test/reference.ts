// Independent f64 references for the tests: GPT-2 and BERT forward passes written from
// the papers / Hugging Face's modeling code on plain arrays, sharing nothing with the
// package but the weights they are given (as host arrays keyed by HF names).

export type Weights = ReadonlyMap<string, Float64Array>;
export type Matrix = Float64Array[]; // rows

function w(weights: Weights, name: string): Float64Array {
  const value = weights.get(name);
  if (!value) throw new Error(`reference: no weight '${name}'`);
  return value;
}

/** y = x·W + b with W stored (in, out), HF Conv1D. */
export function conv1d(
  x: Matrix,
  weight: Float64Array,
  bias: Float64Array | null,
  nIn: number,
  nOut: number,
): Matrix {
  return x.map((row) => {
    const out = new Float64Array(nOut);
    for (let j = 0; j < nOut; j++) {
      let s = bias ? bias[j]! : 0;
      for (let i = 0; i < nIn; i++) s += row[i]! * weight[i * nOut + j]!;
      out[j] = s;
    }
    return out;
  });
}

/** y = x·Wᵀ + b with W stored (out, in), torch.nn.Linear. */
export function linear(
  x: Matrix,
  weight: Float64Array,
  bias: Float64Array | null,
  nIn: number,
  nOut: number,
): Matrix {
  return x.map((row) => {
    const out = new Float64Array(nOut);
    for (let j = 0; j < nOut; j++) {
      let s = bias ? bias[j]! : 0;
      for (let i = 0; i < nIn; i++) s += row[i]! * weight[j * nIn + i]!;
      out[j] = s;
    }
    return out;
  });
}

export function layerNorm(x: Matrix, gamma: Float64Array, beta: Float64Array, eps: number): Matrix {
  return x.map((row) => {
    const n = row.length;
    const mean = row.reduce((a, b) => a + b, 0) / n;
    const variance = row.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * gamma[i]! + beta[i]!);
  });
}

export function geluTanh(v: number): number {
  return 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)));
}

/** erf by its Maclaurin series (|x| < 3) or the continued fraction tail; error < 1e-12. */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(−x²)/(x√π) · 1/(1 + 1/(2x²)/(1 + 2/(2x²)/(1 + …))), evaluated backwards.
  let f = 0;
  for (let k = 60; k >= 1; k--) f = k / 2 / (ax + f);
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / (ax + f);
  return Math.sign(x) * (1 - erfc);
}

export function geluErf(v: number): number {
  return 0.5 * v * (1 + erf(v / Math.SQRT2));
}

function softmaxInPlace(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/**
 * Multi-head attention of one sequence: q, k, v (T, C) split into nh heads;
 * `allowed(i, j)` says whether query i may attend to key j.
 */
export function attention(
  q: Matrix,
  k: Matrix,
  v: Matrix,
  nh: number,
  allowed: (i: number, j: number) => boolean,
): Matrix {
  const t = q.length;
  const c = q[0]!.length;
  const hs = c / nh;
  const out = Array.from({ length: t }, () => new Float64Array(c));
  for (let h = 0; h < nh; h++) {
    for (let i = 0; i < t; i++) {
      const keys: number[] = [];
      const scores: number[] = [];
      for (let j = 0; j < t; j++) {
        if (!allowed(i, j)) continue;
        let s = 0;
        for (let d = 0; d < hs; d++) s += q[i]![h * hs + d]! * k[j]![h * hs + d]!;
        keys.push(j);
        scores.push(s / Math.sqrt(hs));
      }
      const p = softmaxInPlace(scores);
      keys.forEach((j, n) => {
        for (let d = 0; d < hs; d++) out[i]![h * hs + d]! += p[n]! * v[j]![h * hs + d]!;
      });
    }
  }
  return out;
}

const addM = (a: Matrix, b: Matrix): Matrix => a.map((row, i) => row.map((v, j) => v + b[i]![j]!));

export interface GptRefConfig {
  nLayer: number;
  nHead: number;
  nEmbd: number;
  vocabSize: number;
  eps: number;
}

/** GPT-2 logits (T, vocab) for one sequence, from HF GPT2LMHeadModel weights. */
export function gptReference(weights: Weights, config: GptRefConfig, ids: readonly number[]): Matrix {
  const c = config.nEmbd;
  const wte = w(weights, 'transformer.wte.weight');
  const wpe = w(weights, 'transformer.wpe.weight');
  let x: Matrix = ids.map((id, t) => {
    const row = new Float64Array(c);
    for (let d = 0; d < c; d++) row[d] = wte[id * c + d]! + wpe[t * c + d]!;
    return row;
  });
  for (let l = 0; l < config.nLayer; l++) {
    const p = (name: string) => w(weights, `transformer.h.${l}.${name}`);
    const h1 = layerNorm(x, p('ln_1.weight'), p('ln_1.bias'), config.eps);
    const qkv = conv1d(
      h1,
      p('attn.c_attn.weight'),
      weights.get(`transformer.h.${l}.attn.c_attn.bias`) ?? null,
      c,
      3 * c,
    );
    const q = qkv.map((r) => r.slice(0, c));
    const k = qkv.map((r) => r.slice(c, 2 * c));
    const v = qkv.map((r) => r.slice(2 * c, 3 * c));
    const a = attention(q, k, v, config.nHead, (i, j) => j <= i);
    x = addM(x, conv1d(a, p('attn.c_proj.weight'), p('attn.c_proj.bias'), c, c));
    const h2 = layerNorm(x, p('ln_2.weight'), p('ln_2.bias'), config.eps);
    const inner = p('mlp.c_fc.bias').length;
    const f = conv1d(h2, p('mlp.c_fc.weight'), p('mlp.c_fc.bias'), c, inner).map((r) => r.map(geluTanh));
    x = addM(x, conv1d(f, p('mlp.c_proj.weight'), p('mlp.c_proj.bias'), inner, c));
  }
  x = layerNorm(x, w(weights, 'transformer.ln_f.weight'), w(weights, 'transformer.ln_f.bias'), config.eps);
  const head = weights.get('lm_head.weight') ?? wte;
  return linear(x, head, null, c, config.vocabSize);
}

export interface BertRefConfig {
  nLayer: number;
  nHead: number;
  hidden: number;
  eps: number;
}

/** BERT last hidden states (T, C) and pooler output for one sequence (HF BertModel weights). */
export function bertReference(
  weights: Weights,
  config: BertRefConfig,
  ids: readonly number[],
  options: { attentionMask?: readonly number[]; tokenTypes?: readonly number[]; prefix?: string } = {},
): { hidden: Matrix; pooled: Float64Array } {
  const c = config.hidden;
  const pre = options.prefix ?? '';
  const p = (name: string) => w(weights, `${pre}${name}`);
  const we = p('embeddings.word_embeddings.weight');
  const pe = p('embeddings.position_embeddings.weight');
  const te = p('embeddings.token_type_embeddings.weight');
  let x: Matrix = ids.map((id, t) => {
    const tt = options.tokenTypes?.[t] ?? 0;
    const row = new Float64Array(c);
    for (let d = 0; d < c; d++) row[d] = we[id * c + d]! + pe[t * c + d]! + te[tt * c + d]!;
    return row;
  });
  x = layerNorm(x, p('embeddings.LayerNorm.weight'), p('embeddings.LayerNorm.bias'), config.eps);
  const mask = options.attentionMask;
  for (let l = 0; l < config.nLayer; l++) {
    const L = (name: string) => p(`encoder.layer.${l}.${name}`);
    const q = linear(x, L('attention.self.query.weight'), L('attention.self.query.bias'), c, c);
    const k = linear(x, L('attention.self.key.weight'), L('attention.self.key.bias'), c, c);
    const v = linear(x, L('attention.self.value.weight'), L('attention.self.value.bias'), c, c);
    const a = attention(q, k, v, config.nHead, (_i, j) => mask?.[j] !== 0);
    const o = linear(a, L('attention.output.dense.weight'), L('attention.output.dense.bias'), c, c);
    x = layerNorm(
      addM(o, x),
      L('attention.output.LayerNorm.weight'),
      L('attention.output.LayerNorm.bias'),
      config.eps,
    );
    const inner = L('intermediate.dense.bias').length;
    const f = linear(x, L('intermediate.dense.weight'), L('intermediate.dense.bias'), c, inner).map((r) =>
      r.map(geluErf),
    );
    const o2 = linear(f, L('output.dense.weight'), L('output.dense.bias'), inner, c);
    x = layerNorm(addM(o2, x), L('output.LayerNorm.weight'), L('output.LayerNorm.bias'), config.eps);
  }
  const pooled = weights.has(`${pre}pooler.dense.weight`)
    ? linear([x[0]!], p('pooler.dense.weight'), p('pooler.dense.bias'), c, c)[0]!.map(Math.tanh)
    : new Float64Array(0);
  return { hidden: x, pooled };
}

/** Largest |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
