// The fused AdamW step, in place on parameter and moments (bias corrections folded
// into two constants on the host).
import type { AdamWParams } from '@tensorlm/tensor-core';
import { ParamWriter } from '../params.js';
import type { GpuBinding, GpuRuntime } from '../runtime.js';
import { elementMain, grid } from './wgsl.js';

export function adamwKernel(
  rt: GpuRuntime,
  param: GpuBinding,
  grad: GpuBinding,
  m: GpuBinding,
  v: GpuBinding,
  size: number,
  h: AdamWParams,
): void {
  if (size === 0) return;
  const pipeline = rt.pipeline(
    'adamw',
    () => `
struct Params { size: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, decay: f32, correction1: f32, correction2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32 }
@group(0) @binding(0) var<storage, read_write> Param: array<f32>;
@group(0) @binding(1) var<storage, read> Grad: array<f32>;
@group(0) @binding(2) var<storage, read_write> M: array<f32>;
@group(0) @binding(3) var<storage, read_write> V: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;
${elementMain('p.size')}
  let g = Grad[i];
  let m = p.beta1 * M[i] + p.oneMinusBeta1 * g;
  let v = p.beta2 * V[i] + p.oneMinusBeta2 * g * g;
  M[i] = m;
  V[i] = v;
  Param[i] = Param[i] * p.decay - p.lr * (m / p.correction1) / (sqrt(v / p.correction2) + p.eps);
}`,
  );
  const params = new ParamWriter()
    .u32(size)
    .f32(h.lr)
    .f32(h.beta1)
    .f32(h.beta2)
    .f32(h.eps)
    .f32(1 - h.lr * h.weightDecay)
    .f32(1 - h.beta1 ** h.step)
    .f32(1 - h.beta2 ** h.step)
    // 1 − β from the exact β on the host: in f32 on the device, 1 − f32(0.999) is off by
    // 1.3e-5 relative, and every second moment with it.
    .f32(1 - h.beta1)
    .f32(1 - h.beta2);
  rt.dispatch('adamw', pipeline, [param, grad, m, v], params, grid(size));
}
