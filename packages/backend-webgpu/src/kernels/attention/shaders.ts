// WGSL for fused scaled dot-product attention (FlashAttention's schedule in workgroup
// memory). A thread owns R query rows (forward, dQ) or R key rows (dK, dV); the
// workgroup streams the other side through workgroup memory a tile at a time, so the
// (T, S) scores never exist in device memory. Masks follow tensor-core's contract: a
// masked score is replaced by the lowest f32, so a fully masked row is uniform.
// Attention dropout is a hash of (seed, head, query, key) that each pass recomputes.
// Compile-time constants per pipeline: head size D, tile sizes, rows per thread R, and
// whether a bias (the op's masks as one broadcast f32 tensor) and dropout are on.
import { MIX32 } from '../wgsl.js';

/** The lowest f32: tensor-core's masked score. */
export const MASKED_WGSL = '-3.40282346638528859812e+38';

/** Shared uniform layout of the attention kernels (bases index each binding's window). */
export const ATTENTION_PARAMS = /* wgsl */ `
struct Params {
  t: u32, s: u32, heads: u32, headStart: u32,
  causal: u32, pastLength: u32, scale: f32, skipMasked: u32,
  biasB: u32, biasH: u32, biasT: u32, biasS: u32,
  qBase: u32, kvBase: u32, statBase: u32, biasBase: u32,
  packedBase: u32, dropSeed: u32, dropThreshold: u32, keepScale: f32,
}`;

/**
 * Attention dropout's hash, as tensor-core's backend/fused/defaults/attention-dropout.ts
 * defines it (the same u32 wrapping arithmetic): a score is kept, times keepScale =
 * 1/(1 − p), iff mix32(rowHash(head, query) ^ keyHash(key)) ≥ dropThreshold.
 */
const DROPOUT_WGSL = /* wgsl */ `
${MIX32}fn dropRowHash(head: u32, query: u32) -> u32 {
  return mix32(mix32(mix32(p.dropSeed ^ 0x9e3779b9u) ^ head) ^ query);
}
fn dropKeyHash(key: u32) -> u32 { return mix32(key ^ 0x85ebca6bu); }
fn dropFactor(rowHash: u32, keyHash: u32) -> f32 {
  return select(0.0, p.keepScale, mix32(rowHash ^ keyHash) >= p.dropThreshold);
}`;

export interface AttentionShaderConfig {
  /** Head size (compile-time: private arrays of D floats). */
  readonly d: number;
  /**
   * Floats per vector: 4 when D is a multiple of 4 (q, k, v, dO and the gradients are
   * read as vec4, a quarter of the loop trips and loads; llvmpipe and GPUs alike), else 1.
   */
  readonly width: 1 | 4;
  /** Threads per workgroup: query rows (forward, dQ) or key rows (dK, dV). */
  readonly rows: number;
  /** Rows of the other side held in workgroup memory per tile. */
  readonly tile: number;
  readonly bias: boolean;
  /** Attention dropout on (the hash in DROPOUT_WGSL; its seed, threshold and scale in Params). */
  readonly dropout?: boolean;
  /** Rows each thread owns (forward): each vector read from workgroup memory serves them all. Default 1. */
  readonly rowsPerThread?: number;
}

/** WGSL: `masked` and `score` for (query `qRow`, key `key`) given a raw scaled dot product. */
function maskCode(cfg: AttentionShaderConfig, qRow: string, key: string, gh: string): string {
  const bias = cfg.bias
    ? `
      let extra = Bias[p.biasBase + (${gh} / p.heads) * p.biasB + (${gh} % p.heads) * p.biasH + ${qRow} * p.biasT + ${key} * p.biasS];
      if (extra <= MASKED) { masked = true; } else { score = score + extra; }`
    : '';
  return `
      var masked = p.causal != 0u && ${key} > p.pastLength + ${qRow};${bias}
      if (masked) { score = MASKED; }`;
}

const COLUMN_LOOP = 'for (var c = 0u; c < DW; c = c + 1u) {';

/**
 * Unrolls every loop over a row's DW vectors into DW statements with constant indices,
 * so the per-thread rows (q, the accumulators) are registers rather than private memory
 * indexed at run time (llvmpipe spills such arrays to its stack, lane by lane).
 */
export function unrollColumns(code: string, dw: number): string {
  let out = '';
  let at = 0;
  for (;;) {
    const loop = code.indexOf(COLUMN_LOOP, at);
    if (loop < 0) return out + code.slice(at);
    let depth = 1;
    let end = loop + COLUMN_LOOP.length;
    for (; depth > 0; end++) {
      if (code[end] === '{') depth++;
      else if (code[end] === '}') depth--;
    }
    const body = code.slice(loop + COLUMN_LOOP.length, end - 1).trim();
    const copies = Array.from({ length: dw }, (_, c) => body.replace(/\bc\b/g, `${c}u`));
    out += `${code.slice(at, loop)}${copies.join('\n')}`;
    at = end;
  }
}

/** The vector type T, its dot product, and DW = D / width vectors per row. */
const vectorCode = (d: number, width: 1 | 4) => /* wgsl */ `
alias T = ${width === 4 ? 'vec4<f32>' : 'f32'};
fn dotT(a: T, b: T) -> f32 { return ${width === 4 ? 'dot(a, b)' : 'a * b'}; }
const DW = ${d / width}u;
const W = ${width}u;`;

const HEADER = (cfg: AttentionShaderConfig) => /* wgsl */ `
${ATTENTION_PARAMS}
${vectorCode(cfg.d, cfg.width)}
const ROWS = ${cfg.rows}u;
const TILE = ${cfg.tile}u;
const MASKED: f32 = ${MASKED_WGSL};
${cfg.dropout ? DROPOUT_WGSL : ''}`;

const biasBinding = (cfg: AttentionShaderConfig, binding: number) =>
  cfg.bias ? `@group(0) @binding(${binding}) var<storage, read> Bias: array<f32>;` : '';

/** `body(i)` for each of a thread's `rows` rows, joined: per-row names stay constant-indexed. */
const perRow = (rows: number, body: (i: number) => string) =>
  Array.from({ length: rows }, (_, i) => body(i)).join('\n');

/**
 * Forward: one workgroup per (head, tile of ROWS·R queries), each thread owning R query
 * rows (ROWS apart) so every key / value vector it reads from workgroup memory serves R
 * rows. Key / value tiles of TILE rows pass through workgroup memory; each row keeps its
 * running max m, sum l and output accumulator, rescaled by e^(m_old − m_new) once per
 * tile (online softmax).
 */
export function forwardShader(cfg: AttentionShaderConfig): string {
  const b = cfg.bias ? 1 : 0;
  const dw = cfg.d / cfg.width;
  const rows = cfg.rowsPerThread ?? 1;
  return unrollColumns(
    /* wgsl */ `${HEADER(cfg)}
const R = ${rows}u;
@group(0) @binding(0) var<storage, read> Q: array<T>;
@group(0) @binding(1) var<storage, read> K: array<T>;
@group(0) @binding(2) var<storage, read> V: array<T>;
${biasBinding(cfg, 3)}
@group(0) @binding(${3 + b}) var<storage, read_write> O: array<T>;
@group(0) @binding(${4 + b}) var<storage, read_write> RowMax: array<f32>;
@group(0) @binding(${5 + b}) var<storage, read_write> RowSum: array<f32>;
@group(0) @binding(${6 + b}) var<uniform> p: Params;
var<workgroup> kTile: array<T, ${cfg.tile * dw}>;
var<workgroup> vTile: array<T, ${cfg.tile * dw}>;

@compute @workgroup_size(${cfg.rows})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let head = wid.y;
  let gh = p.headStart + head;
  let qStart = wid.x * ROWS * R;
  let kvAt = p.kvBase / W + head * p.s * DW;
${perRow(
  rows,
  (i) => `  let row${i} = qStart + lid.x + ${i}u * ROWS;
  let r${i} = min(row${i}, p.t - 1u);
  let qAt${i} = p.qBase / W + (head * p.t + r${i}) * DW;
  var qr${i}: array<T, ${dw}>;
  for (var c = 0u; c < DW; c = c + 1u) { qr${i}[c] = Q[qAt${i} + c] * p.scale; }
  var acc${i}: array<T, ${dw}>;
  var scores${i}: array<f32, ${cfg.tile}>;
  var m${i} = MASKED;
  var l${i} = 0.0;${cfg.dropout ? `\n  let dropRow${i} = dropRowHash(gh, r${i});` : ''}`,
)}
  // Keys past the last query's causal horizon are skipped only when no row can be fully
  // masked (no bias): a fully masked row averages every key, future ones included.
  var kEnd = p.s;
  if (p.skipMasked != 0u) { kEnd = min(p.s, p.pastLength + min(qStart + ROWS * R, p.t)); }
  for (var k0 = 0u; k0 < kEnd; k0 = k0 + TILE) {
    let kn = min(TILE, kEnd - k0);
    workgroupBarrier();
    for (var e = lid.x; e < kn * DW; e = e + ROWS) {
      kTile[e] = K[kvAt + k0 * DW + e];
      vTile[e] = V[kvAt + k0 * DW + e];
    }
    workgroupBarrier();
${perRow(rows, (i) => `    var tileMax${i} = MASKED;`)}
    for (var j = 0u; j < kn; j = j + 1u) {
      let key = k0 + j;
${perRow(rows, (i) => `      var score${i} = 0.0;`)}
      for (var c = 0u; c < DW; c = c + 1u) {{
        let kc = kTile[j * DW + c];
${perRow(rows, (i) => `        score${i} = score${i} + dotT(qr${i}[c], kc);`)}
      }}
${perRow(
  rows,
  (i) => `      {
        var score = score${i};${maskCode(cfg, `r${i}`, 'key', 'gh')}
        scores${i}[j] = score;
        tileMax${i} = max(tileMax${i}, score);
      }`,
)}
    }
${perRow(
  rows,
  (i) => `    let mNew${i} = max(m${i}, tileMax${i});
    let correction${i} = exp(m${i} - mNew${i});
    l${i} = l${i} * correction${i};
    for (var c = 0u; c < DW; c = c + 1u) { acc${i}[c] = acc${i}[c] * correction${i}; }`,
)}
    for (var j = 0u; j < kn; j = j + 1u) {${cfg.dropout ? '\n      let dropKey = dropKeyHash(k0 + j);' : ''}
${perRow(
  rows,
  (i) => `      let w${i} = exp(scores${i}[j] - mNew${i});
      l${i} = l${i} + w${i};${
        // Dropout scales what reaches the output, not the softmax's sum.
        cfg.dropout
          ? `\n      let wz${i} = w${i} * dropFactor(dropRow${i}, dropKey);`
          : `\n      let wz${i} = w${i};`
      }`,
)}
      for (var c = 0u; c < DW; c = c + 1u) {{
        let vc = vTile[j * DW + c];
${perRow(rows, (i) => `        acc${i}[c] = acc${i}[c] + wz${i} * vc;`)}
      }}
    }
${perRow(rows, (i) => `    m${i} = mNew${i};`)}
  }
${perRow(
  rows,
  (i) => `  if (row${i} < p.t) {
    let inv = 1.0 / l${i};
    for (var c = 0u; c < DW; c = c + 1u) { O[qAt${i} + c] = acc${i}[c] * inv; }
    RowMax[p.statBase + head * p.t + r${i}] = m${i};
    RowSum[p.statBase + head * p.t + r${i}] = l${i};
  }`,
)}
}`,
    dw,
  );
}

/**
 * Backward, step 1 (one thread per query row): each row's m, 1/l and
 * delta = Σ dO·O (FlashAttention's D_i), packed 4 floats a row so the two passes
 * after it bind one statistics buffer (WebGPU guarantees only 8 storage bindings).
 */
export function statsShader(d: number, width: 1 | 4): string {
  return unrollColumns(
    /* wgsl */ `
${ATTENTION_PARAMS}
${vectorCode(d, width)}
@group(0) @binding(0) var<storage, read> O: array<T>;
@group(0) @binding(1) var<storage, read> DO: array<T>;
@group(0) @binding(2) var<storage, read> RowMax: array<f32>;
@group(0) @binding(3) var<storage, read> RowSum: array<f32>;
@group(0) @binding(4) var<storage, read_write> Stats: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let head = gid.y;
  let r = gid.x;
  if (r >= p.t) { return; }
  let at = p.qBase / W + (head * p.t + r) * DW;
  var delta = 0.0;
  for (var c = 0u; c < DW; c = c + 1u) { delta = delta + dotT(DO[at + c], O[at + c]); }
  let row = head * p.t + r;
  let s = p.packedBase + row * 4u;
  Stats[s] = RowMax[p.statBase + row];
  Stats[s + 1u] = 1.0 / RowSum[p.statBase + row];
  Stats[s + 2u] = delta;
  Stats[s + 3u] = 0.0;
}`,
    d / width,
  );
}

/**
 * Backward, step 2 (dQ): one workgroup per (head, tile of ROWS·R queries), each thread
 * owning R query rows and streaming key / value tiles as the forward pass does;
 * P = e^(s − m)/l is recomputed from the saved statistics, dS = P·(dO·v·z − delta) (z
 * the dropout factor, 1 without dropout), and dQ = scale·Σ dS·k over unmasked scores.
 */
export function dqShader(cfg: AttentionShaderConfig): string {
  const b = cfg.bias ? 1 : 0;
  const dw = cfg.d / cfg.width;
  const rows = cfg.rowsPerThread ?? 1;
  return unrollColumns(
    /* wgsl */ `${HEADER(cfg)}
const R = ${rows}u;
@group(0) @binding(0) var<storage, read> Q: array<T>;
@group(0) @binding(1) var<storage, read> K: array<T>;
@group(0) @binding(2) var<storage, read> V: array<T>;
${biasBinding(cfg, 3)}
@group(0) @binding(${3 + b}) var<storage, read> DO: array<T>;
@group(0) @binding(${4 + b}) var<storage, read> Stats: array<f32>;
@group(0) @binding(${5 + b}) var<storage, read_write> DQ: array<T>;
@group(0) @binding(${6 + b}) var<uniform> p: Params;
var<workgroup> kTile: array<T, ${cfg.tile * dw}>;
var<workgroup> vTile: array<T, ${cfg.tile * dw}>;

@compute @workgroup_size(${cfg.rows})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let head = wid.y;
  let gh = p.headStart + head;
  let qStart = wid.x * ROWS * R;
  let kvAt = p.kvBase / W + head * p.s * DW;
${perRow(
  rows,
  (i) => `  let row${i} = qStart + lid.x + ${i}u * ROWS;
  let r${i} = min(row${i}, p.t - 1u);
  let qAt${i} = p.qBase / W + (head * p.t + r${i}) * DW;
  let st${i} = p.packedBase + (head * p.t + r${i}) * 4u;
  let m${i} = Stats[st${i}];
  let invL${i} = Stats[st${i} + 1u];
  let delta${i} = Stats[st${i} + 2u];${cfg.dropout ? `\n  let dropRow${i} = dropRowHash(gh, r${i});` : ''}
  var qr${i}: array<T, ${dw}>;
  var dO${i}: array<T, ${dw}>;
  var dq${i}: array<T, ${dw}>;
  for (var c = 0u; c < DW; c = c + 1u) {
    qr${i}[c] = Q[qAt${i} + c] * p.scale;
    dO${i}[c] = DO[qAt${i} + c];
  }`,
)}
  var kEnd = p.s;
  if (p.skipMasked != 0u) { kEnd = min(p.s, p.pastLength + min(qStart + ROWS * R, p.t)); }
  for (var k0 = 0u; k0 < kEnd; k0 = k0 + TILE) {
    let kn = min(TILE, kEnd - k0);
    workgroupBarrier();
    for (var e = lid.x; e < kn * DW; e = e + ROWS) {
      kTile[e] = K[kvAt + k0 * DW + e];
      vTile[e] = V[kvAt + k0 * DW + e];
    }
    workgroupBarrier();
    for (var j = 0u; j < kn; j = j + 1u) {
      let key = k0 + j;${cfg.dropout ? '\n      let dropKey = dropKeyHash(key);' : ''}
${perRow(rows, (i) => `      var score${i} = 0.0;\n      var dp${i} = 0.0;`)}
      for (var c = 0u; c < DW; c = c + 1u) {{
        let kc = kTile[j * DW + c];
        let vc = vTile[j * DW + c];
${perRow(
  rows,
  (i) => `        score${i} = score${i} + dotT(qr${i}[c], kc);
        dp${i} = dp${i} + dotT(dO${i}[c], vc);`,
)}
      }}
${perRow(
  rows,
  (i) => `      var ds${i} = 0.0;
      {
        var score = score${i};${maskCode(cfg, `r${i}`, 'key', 'gh')}
        // With dropout factor z the output's gradient reaches P as dp·z.
        if (!masked) { ds${i} = exp(score - m${i}) * invL${i} * (dp${i}${cfg.dropout ? ` * dropFactor(dropRow${i}, dropKey)` : ''} - delta${i}); }
      }`,
)}
      for (var c = 0u; c < DW; c = c + 1u) {{
        let kc = kTile[j * DW + c];
${perRow(rows, (i) => `        dq${i}[c] = dq${i}[c] + ds${i} * kc;`)}
      }}
    }
  }
${perRow(
  rows,
  (i) => `  if (row${i} < p.t) {
    for (var c = 0u; c < DW; c = c + 1u) { DQ[qAt${i} + c] = dq${i}[c] * p.scale; }
  }`,
)}
}`,
    dw,
  );
}

/**
 * Backward, step 3 (dK, dV): one workgroup per (head, tile of ROWS·R keys), each thread
 * owning R key rows and streaming query tiles (scaled q, dO and the row statistics)
 * through workgroup memory: dV = Σ P·z·dO over every score (a fully masked row's
 * uniform P included), dK = Σ dS·q over unmasked ones. No atomics: each key row has
 * one owner.
 */
export function dkvShader(cfg: AttentionShaderConfig): string {
  const b = cfg.bias ? 1 : 0;
  const dw = cfg.d / cfg.width;
  const rows = cfg.rowsPerThread ?? 1;
  return unrollColumns(
    /* wgsl */ `${HEADER(cfg)}
const R = ${rows}u;
@group(0) @binding(0) var<storage, read> Q: array<T>;
@group(0) @binding(1) var<storage, read> K: array<T>;
@group(0) @binding(2) var<storage, read> V: array<T>;
${biasBinding(cfg, 3)}
@group(0) @binding(${3 + b}) var<storage, read> DO: array<T>;
@group(0) @binding(${4 + b}) var<storage, read> Stats: array<f32>;
@group(0) @binding(${5 + b}) var<storage, read_write> DK: array<T>;
@group(0) @binding(${6 + b}) var<storage, read_write> DV: array<T>;
@group(0) @binding(${7 + b}) var<uniform> p: Params;
var<workgroup> qTile: array<T, ${cfg.tile * dw}>;
var<workgroup> dOTile: array<T, ${cfg.tile * dw}>;
var<workgroup> statTile: array<f32, ${cfg.tile * 4}>;

@compute @workgroup_size(${cfg.rows})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let head = wid.y;
  let gh = p.headStart + head;
  let j0 = wid.x * ROWS * R;
  let qHead = p.qBase / W + head * p.t * DW;
  let stHead = p.packedBase + head * p.t * 4u;
${perRow(
  rows,
  (i) => `  let keyRow${i} = j0 + lid.x + ${i}u * ROWS;
  let key${i} = min(keyRow${i}, p.s - 1u);
  let kvAt${i} = p.kvBase / W + (head * p.s + key${i}) * DW;${cfg.dropout ? `\n  let dropKey${i} = dropKeyHash(key${i});` : ''}
  var k${i}: array<T, ${dw}>;
  var v${i}: array<T, ${dw}>;
  var dk${i}: array<T, ${dw}>;
  var dv${i}: array<T, ${dw}>;
  for (var c = 0u; c < DW; c = c + 1u) {
    k${i}[c] = K[kvAt${i} + c];
    v${i}[c] = V[kvAt${i} + c];
  }`,
)}
  // Queries before the first one that sees key j0 are skipped when nothing else masks.
  var iStart = 0u;
  if (p.skipMasked != 0u && j0 > p.pastLength) { iStart = ((j0 - p.pastLength) / TILE) * TILE; }
  for (var i0 = iStart; i0 < p.t; i0 = i0 + TILE) {
    let n = min(TILE, p.t - i0);
    workgroupBarrier();
    for (var e = lid.x; e < n * DW; e = e + ROWS) {
      qTile[e] = Q[qHead + i0 * DW + e] * p.scale;
      dOTile[e] = DO[qHead + i0 * DW + e];
    }
    for (var e = lid.x; e < n * 4u; e = e + ROWS) { statTile[e] = Stats[stHead + i0 * 4u + e]; }
    workgroupBarrier();
    for (var i = 0u; i < n; i = i + 1u) {
      let qRow = i0 + i;
      let rowMax = statTile[i * 4u];
      let invL = statTile[i * 4u + 1u];
      let delta = statTile[i * 4u + 2u];${cfg.dropout ? '\n      let dropRow = dropRowHash(gh, qRow);' : ''}
${perRow(rows, (r) => `      var score${r} = 0.0;\n      var dp${r} = 0.0;`)}
      for (var c = 0u; c < DW; c = c + 1u) {{
        let qc = qTile[i * DW + c];
        let dOc = dOTile[i * DW + c];
${perRow(
  rows,
  (r) => `        score${r} = score${r} + dotT(qc, k${r}[c]);
        dp${r} = dp${r} + dotT(dOc, v${r}[c]);`,
)}
      }}
${perRow(
  rows,
  (r) => `      var probZ${r} = 0.0;
      var ds${r} = 0.0;
      {
        let key = key${r};
        var score = score${r};${maskCode(cfg, 'qRow', 'key', 'gh')}
        let prob = exp(score - rowMax) * invL;${
          cfg.dropout ? `\n        let z = dropFactor(dropRow, dropKey${r});` : '\n        let z = 1.0;'
        }
        probZ${r} = prob * z;
        if (!masked) { ds${r} = prob * (dp${r} * z - delta); }
      }`,
)}
      for (var c = 0u; c < DW; c = c + 1u) {{
        let qc = qTile[i * DW + c];
        let dOc = dOTile[i * DW + c];
${perRow(
  rows,
  (r) => `        dv${r}[c] = dv${r}[c] + probZ${r} * dOc;
        dk${r}[c] = dk${r}[c] + ds${r} * qc;`,
)}
      }}
    }
  }
${perRow(
  rows,
  (r) => `  if (keyRow${r} < p.s) {
    for (var c = 0u; c < DW; c = c + 1u) {
      DK[kvAt${r} + c] = dk${r}[c];
      DV[kvAt${r} + c] = dv${r}[c];
    }
  }`,
)}
}`,
    dw,
  );
}
