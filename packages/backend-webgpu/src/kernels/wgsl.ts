// Shared WGSL pieces: dtype → WGSL type, the 2-D dispatch grid (one thread per
// element, past the 65,535-workgroups-per-dimension limit), and scalar math that WGSL
// lacks or defines loosely (a tanh that cannot overflow, erf, GELU and its gradients,
// pow for negative bases). The CPU backend computes the same formulas.
import type { DType } from '@tensorlm/tensor-core';

export const WORKGROUP = 256;

export function wgslType(dtype: DType): 'f32' | 'i32' | 'u32' {
  return dtype === 'f32' ? 'f32' : dtype === 'i32' ? 'i32' : 'u32';
}

/** Workgroup counts for `threads` threads of `workgroup` each. */
export function grid(threads: number, workgroup = WORKGROUP): [number, number] {
  const groups = Math.max(1, Math.ceil(threads / workgroup));
  const x = Math.min(groups, 65535);
  return [x, Math.ceil(groups / x)];
}

/**
 * Entry point header: `i` is the flat thread index; returns past `limit`. Kernels whose
 * threads each loop long take a small `workgroup`, so that few threads still spread
 * over every core (llvmpipe runs a workgroup on one).
 */
export function elementMain(limit: string, workgroup = WORKGROUP): string {
  return /* wgsl */ `
@compute @workgroup_size(${workgroup})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ${workgroup}u;
  if (i >= ${limit}) { return; }`;
}

/** WGSL rejects infinite constants, so infinity comes from a private variable at run time. */
export const INFINITY = /* wgsl */ `
var<private> infinityBits: u32 = 0x7f800000u;
fn infinity() -> f32 { return bitcast<f32>(infinityBits); }
`;

export const MATH = /* wgsl */ `
${INFINITY}
fn tanhStable(x: f32) -> f32 {
  let t = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - t) / (1.0 + t);
}
fn erfApprox(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    let x2 = x * x;
    return 1.1283791670955126 * x * (1.0 + x2 * (-1.0 / 3.0 + x2 * (0.1 + x2 * (-1.0 / 42.0 + x2 * (1.0 / 216.0 - x2 / 1320.0)))));
  }
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(r - 1.0, 1.0 - r, x >= 0.0);
}
fn geluTanh(x: f32) -> f32 {
  return 0.5 * x * (1.0 + tanhStable(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}
fn geluTanhGrad(x: f32) -> f32 {
  let t = tanhStable(0.7978845608028654 * (x + 0.044715 * x * x * x));
  return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * 0.7978845608028654 * (1.0 + 3.0 * 0.044715 * x * x);
}
fn geluErf(x: f32) -> f32 {
  return 0.5 * x * (1.0 + erfApprox(x * 0.7071067811865476));
}
fn geluErfGrad(x: f32) -> f32 {
  return 0.5 * (1.0 + erfApprox(x * 0.7071067811865476)) + x * exp(-0.5 * x * x) * 0.3989422804014327;
}
fn powSigned(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (a == 0.0) { return select(infinity(), 0.0, b > 0.0); }
  let r = exp2(b * log2(abs(a)));
  if (a > 0.0) { return r; }
  if (floor(b) != b) { let inf = infinity(); return inf - inf; }
  let odd = abs(b % 2.0) == 1.0;
  return select(r, -r, odd);
}
`;

/**
 * A 32-bit integer hash (a "lowbias32" finalizer): the counter RNG's (sampling.ts, as
 * tensor-core's rng) and attention dropout's keep mask are built from it.
 */
export const MIX32 = /* wgsl */ `
fn mix32(x0: u32) -> u32 {
  var x = x0;
  x = x ^ (x >> 16u);
  x = x * 0x7feb352du;
  x = x ^ (x >> 15u);
  x = x * 0x846ca68bu;
  x = x ^ (x >> 16u);
  return x;
}
`;
