// WGSL for fused scaled dot-product attention (FlashAttention's schedule in workgroup
// memory). One thread owns one query row (forward, dQ) or one key row (dK, dV); the
// workgroup streams the other side through workgroup memory a tile at a time, so the
// (T, S) scores never exist in device memory. Masks follow tensor-core's contract: a
// masked score is replaced by the lowest f32, so a fully masked row is uniform.
// Compile-time constants per pipeline: head size D, tile sizes, and whether a bias
// (the op's masks as one broadcast f32 tensor) is bound.

/** The lowest f32: tensor-core's masked score. */
export const MASKED_WGSL = '-3.40282346638528859812e+38';

/** Shared uniform layout of the attention kernels (bases index each binding's window). */
export const ATTENTION_PARAMS = /* wgsl */ `
struct Params {
  t: u32, s: u32, heads: u32, headStart: u32,
  causal: u32, pastLength: u32, scale: f32, skipMasked: u32,
  biasB: u32, biasH: u32, biasT: u32, biasS: u32,
  qBase: u32, kvBase: u32, statBase: u32, biasBase: u32,
  packedBase: u32, pad0: u32, pad1: u32, pad2: u32,
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
const MASKED: f32 = ${MASKED_WGSL};`;

const biasBinding = (cfg: AttentionShaderConfig, binding: number) =>
  cfg.bias ? `@group(0) @binding(${binding}) var<storage, read> Bias: array<f32>;` : '';

/**
 * Forward: one workgroup per (head, tile of ROWS queries). Key / value tiles of TILE
 * rows pass through workgroup memory; each thread keeps its running max m, sum l and
 * output accumulator, rescaled by e^(m_old − m_new) once per tile (online softmax).
 */
export function forwardShader(cfg: AttentionShaderConfig): string {
  const b = cfg.bias ? 1 : 0;
  return unrollColumns(
    /* wgsl */ `${HEADER(cfg)}
@group(0) @binding(0) var<storage, read> Q: array<T>;
@group(0) @binding(1) var<storage, read> K: array<T>;
@group(0) @binding(2) var<storage, read> V: array<T>;
${biasBinding(cfg, 3)}
@group(0) @binding(${3 + b}) var<storage, read_write> O: array<T>;
@group(0) @binding(${4 + b}) var<storage, read_write> RowMax: array<f32>;
@group(0) @binding(${5 + b}) var<storage, read_write> RowSum: array<f32>;
@group(0) @binding(${6 + b}) var<uniform> p: Params;
var<workgroup> kTile: array<T, ${cfg.tile * (cfg.d / cfg.width)}>;
var<workgroup> vTile: array<T, ${cfg.tile * (cfg.d / cfg.width)}>;

@compute @workgroup_size(${cfg.rows})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let head = wid.y;
  let gh = p.headStart + head;
  let q0 = wid.x * ROWS;
  let row = q0 + lid.x;
  let live = row < p.t;
  let r = min(row, p.t - 1u);
  let qAt = p.qBase / W + (head * p.t + r) * DW;
  let kvAt = p.kvBase / W + head * p.s * DW;
  var q: array<T, ${cfg.d / cfg.width}>;
  for (var c = 0u; c < DW; c = c + 1u) { q[c] = Q[qAt + c] * p.scale; }
  var acc: array<T, ${cfg.d / cfg.width}>;
  var scores: array<f32, ${cfg.tile}>;
  var m = MASKED;
  var l = 0.0;
  // Keys past the last query's causal horizon are skipped only when no row can be fully
  // masked (no bias): a fully masked row averages every key, future ones included.
  var kEnd = p.s;
  if (p.skipMasked != 0u) { kEnd = min(p.s, p.pastLength + min(q0 + ROWS, p.t)); }
  for (var k0 = 0u; k0 < kEnd; k0 = k0 + TILE) {
    let kn = min(TILE, kEnd - k0);
    workgroupBarrier();
    for (var e = lid.x; e < kn * DW; e = e + ROWS) {
      kTile[e] = K[kvAt + k0 * DW + e];
      vTile[e] = V[kvAt + k0 * DW + e];
    }
    workgroupBarrier();
    var tileMax = MASKED;
    for (var j = 0u; j < kn; j = j + 1u) {
      var score = 0.0;
      for (var c = 0u; c < DW; c = c + 1u) { score = score + dotT(q[c], kTile[j * DW + c]); }
      let key = k0 + j;${maskCode(cfg, 'r', 'key', 'gh')}
      scores[j] = score;
      tileMax = max(tileMax, score);
    }
    let mNew = max(m, tileMax);
    let correction = exp(m - mNew);
    l = l * correction;
    for (var c = 0u; c < DW; c = c + 1u) { acc[c] = acc[c] * correction; }
    for (var j = 0u; j < kn; j = j + 1u) {
      let w = exp(scores[j] - mNew);
      l = l + w;
      for (var c = 0u; c < DW; c = c + 1u) { acc[c] = acc[c] + w * vTile[j * DW + c]; }
    }
    m = mNew;
  }
  if (!live) { return; }
  let inv = 1.0 / l;
  for (var c = 0u; c < DW; c = c + 1u) { O[qAt + c] = acc[c] * inv; }
  RowMax[p.statBase + head * p.t + r] = m;
  RowSum[p.statBase + head * p.t + r] = l;
}`,
    cfg.d / cfg.width,
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
 * Backward, step 2 (dQ): one workgroup per (head, tile of ROWS queries), streaming key /
 * value tiles as the forward pass does; P = e^(s − m)/l is recomputed from the saved
 * statistics, dS = P·(dO·v − delta), and dQ = scale·Σ dS·k over unmasked scores.
 */
export function dqShader(cfg: AttentionShaderConfig): string {
  const b = cfg.bias ? 1 : 0;
  const dw = cfg.d / cfg.width;
  return unrollColumns(
    /* wgsl */ `${HEADER(cfg)}
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
  let q0 = wid.x * ROWS;
  let row = q0 + lid.x;
  let live = row < p.t;
  let r = min(row, p.t - 1u);
  let qAt = p.qBase / W + (head * p.t + r) * DW;
  let kvAt = p.kvBase / W + head * p.s * DW;
  let st = p.packedBase + (head * p.t + r) * 4u;
  let m = Stats[st];
  let invL = Stats[st + 1u];
  let delta = Stats[st + 2u];
  var q: array<T, ${dw}>;
  var dO: array<T, ${dw}>;
  var dq: array<T, ${dw}>;
  for (var c = 0u; c < DW; c = c + 1u) {
    q[c] = Q[qAt + c] * p.scale;
    dO[c] = DO[qAt + c];
  }
  var kEnd = p.s;
  if (p.skipMasked != 0u) { kEnd = min(p.s, p.pastLength + min(q0 + ROWS, p.t)); }
  for (var k0 = 0u; k0 < kEnd; k0 = k0 + TILE) {
    let kn = min(TILE, kEnd - k0);
    workgroupBarrier();
    for (var e = lid.x; e < kn * DW; e = e + ROWS) {
      kTile[e] = K[kvAt + k0 * DW + e];
      vTile[e] = V[kvAt + k0 * DW + e];
    }
    workgroupBarrier();
    for (var j = 0u; j < kn; j = j + 1u) {
      var score = 0.0;
      var dp = 0.0;
      for (var c = 0u; c < DW; c = c + 1u) {
        score = score + dotT(q[c], kTile[j * DW + c]);
        dp = dp + dotT(dO[c], vTile[j * DW + c]);
      }
      let key = k0 + j;${maskCode(cfg, 'r', 'key', 'gh')}
      if (!masked) {
        let ds = exp(score - m) * invL * (dp - delta);
        for (var c = 0u; c < DW; c = c + 1u) { dq[c] = dq[c] + ds * kTile[j * DW + c]; }
      }
    }
  }
  if (!live) { return; }
  for (var c = 0u; c < DW; c = c + 1u) { DQ[qAt + c] = dq[c] * p.scale; }
}`,
    cfg.d / cfg.width,
  );
}

/**
 * Backward, step 3 (dK, dV): one workgroup per (head, tile of ROWS keys), streaming
 * query tiles (scaled q, dO and the row statistics) through workgroup memory:
 * dV = Σ P·dO over every score (a fully masked row's uniform P included), dK = Σ dS·q
 * over unmasked ones. No atomics: each key row has one owner.
 */
export function dkvShader(cfg: AttentionShaderConfig): string {
  const b = cfg.bias ? 1 : 0;
  const dw = cfg.d / cfg.width;
  return unrollColumns(
    /* wgsl */ `${HEADER(cfg)}
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
  let j0 = wid.x * ROWS;
  let keyRow = j0 + lid.x;
  let live = keyRow < p.s;
  let key = min(keyRow, p.s - 1u);
  let kvAt = p.kvBase / W + (head * p.s + key) * DW;
  let qHead = p.qBase / W + head * p.t * DW;
  let stHead = p.packedBase + head * p.t * 4u;
  var k: array<T, ${dw}>;
  var v: array<T, ${dw}>;
  var dk: array<T, ${dw}>;
  var dv: array<T, ${dw}>;
  for (var c = 0u; c < DW; c = c + 1u) {
    k[c] = K[kvAt + c];
    v[c] = V[kvAt + c];
  }
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
      var score = 0.0;
      var dp = 0.0;
      for (var c = 0u; c < DW; c = c + 1u) {
        score = score + dotT(qTile[i * DW + c], k[c]);
        dp = dp + dotT(dOTile[i * DW + c], v[c]);
      }
      let qRow = i0 + i;${maskCode(cfg, 'qRow', 'key', 'gh')}
      let prob = exp(score - statTile[i * 4u]) * statTile[i * 4u + 1u];
      for (var c = 0u; c < DW; c = c + 1u) { dv[c] = dv[c] + prob * dOTile[i * DW + c]; }
      if (!masked) {
        let ds = prob * (dp - statTile[i * 4u + 2u]);
        for (var c = 0u; c < DW; c = c + 1u) { dk[c] = dk[c] + ds * qTile[i * DW + c]; }
      }
    }
  }
  if (!live) { return; }
  for (var c = 0u; c < DW; c = c + 1u) {
    DK[kvAt + c] = dk[c];
    DV[kvAt + c] = dv[c];
  }
}`,
    cfg.d / cfg.width,
  );
}
