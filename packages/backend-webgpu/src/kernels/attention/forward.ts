// The fused attention forward on the device: output (B, H, T, D) and each query row's
// softmax max and sum, one dispatch per window of heads (all heads at once unless a
// tensor exceeds one storage binding). Problems the kernel does not cover (a head size
// past MAX_HEAD_SIZE, a bias past one binding) run tensor-core's composed default.
import {
  type AttentionParams,
  attentionDropout,
  type Backend,
  composedKernels,
  type KernelTensor,
  type Storage,
} from '@tensorlm/tensor-core';
import { bindsWhole, forEachRowGroupWindow, usableElements } from '../../binding-windows.js';
import { ParamWriter } from '../../params.js';
import type { GpuBufferStorage, GpuRuntime } from '../../runtime.js';
import { type AttentionTiles, attentionTiles, biasStrides, unsupportedReason } from './plan.js';
import { forwardShader } from './shaders.js';

/** The backend the attention kernels run on: its runtime, and its primitives for the fallback. */
export type AttentionHost = Backend & { readonly runtime: GpuRuntime };

export const bufferOf = (t: KernelTensor | Storage): GPUBuffer =>
  ('storage' in t ? (t.storage as GpuBufferStorage) : (t as GpuBufferStorage)).buffer;

/** vec4 reads when the head size allows (every window base is then a multiple of 4). */
export const vectorWidth = (d: number): 1 | 4 => (d % 4 === 0 ? 4 : 1);

/** Most heads one dispatch covers (the grid's y dimension). */
export const MAX_HEADS_PER_DISPATCH = 65535;

/**
 * Fewer query rows than this take the composed default: a decoding step (T = 1) leaves
 * the fused kernel one busy thread per head, which loses to the composed matmuls'
 * parallelism over keys (llvmpipe: 2.6 vs 1.2 ms for 12 heads over 128 keys). A
 * split-key decoding kernel would close that gap.
 */
export const MIN_FUSED_QUERIES = 4;

/** The fused kernels' plan for `p`, or null when the composed default must run. */
export function planAttention(
  host: AttentionHost,
  p: AttentionParams,
  bias: KernelTensor | null,
): AttentionTiles | null {
  const rt = host.runtime;
  const { queries: t, keys: s, headSize: d } = p;
  if (t < MIN_FUSED_QUERIES) return null;
  const storage = rt.limits.maxComputeWorkgroupStorageSize;
  const tiles = attentionTiles(t, s, d, storage, host.capabilities.hostMemory);
  const rowElements = Math.max(t * d, s * d, 4 * t);
  if (unsupportedReason(d, tiles, storage, rowElements, usableElements(rt.bindingLimits))) return null;
  if (bias && !bindsWhole(bufferOf(bias), rt.bindingLimits)) return null;
  rt.checkLoop('attention', Math.max(Math.ceil(s / tiles.keyTile), Math.ceil(t / tiles.queryTile), d));
  return tiles;
}

/** The kernels' shared uniform: sizes, mask, scale, and each binding group's base. */
export function attentionParams(
  p: AttentionParams,
  bias: KernelTensor | null,
  headStart: number,
  bases: { q: number; kv: number; stat: number; packed: number },
): ParamWriter {
  const [bB, bH, bT, bS] = bias ? biasStrides(bias.shape) : [0, 0, 0, 0];
  return new ParamWriter()
    .u32(p.queries)
    .u32(p.keys)
    .u32(p.heads)
    .u32(headStart)
    .u32(p.causal ? 1 : 0)
    .u32(p.pastLength)
    .f32(p.scale)
    .u32(p.causal && !bias ? 1 : 0)
    .u32(bB)
    .u32(bH)
    .u32(bT)
    .u32(bS)
    .u32(bases.q)
    .u32(bases.kv)
    .u32(bases.stat)
    .u32(0)
    .u32(bases.packed)
    .u32(p.dropout > 0 ? p.dropoutSeed >>> 0 : 0)
    .u32(p.dropout > 0 ? attentionDropout.dropoutThreshold(p.dropout) : 0)
    .f32(p.dropout > 0 ? 1 / (1 - p.dropout) : 1);
}

export function attentionKernel(
  host: AttentionHost,
  q: KernelTensor,
  k: KernelTensor,
  v: KernelTensor,
  bias: KernelTensor | null,
  p: AttentionParams,
): { output: Storage; rowMax: Storage; rowSum: Storage } {
  const rt = host.runtime;
  const { queries: t, keys: s, headSize: d } = p;
  const heads = p.batch * p.heads;
  const tiles = heads * t * d === 0 ? null : planAttention(host, p, bias);
  if (!tiles) return composedKernels.attention(host, q, k, v, bias, p);
  const output = host.alloc(heads * t * d, 'f32');
  const rowMax = host.alloc(heads * t, 'f32');
  const rowSum = host.alloc(heads * t, 'f32');
  const cfg = {
    d,
    width: vectorWidth(d),
    rows: tiles.forward.threads,
    tile: tiles.keyTile,
    bias: bias !== null,
    dropout: p.dropout > 0,
    rowsPerThread: tiles.forward.rowsPerThread,
  };
  const key = `attention:forward:${d}:${cfg.rows}:${cfg.tile}:${cfg.bias}:${cfg.dropout}:${cfg.rowsPerThread}`;
  const pipeline = rt.pipeline(key, () => forwardShader(cfg));
  const biasBinding = bias ? [bufferOf(bias)] : [];
  forEachRowGroupWindow(
    heads,
    [
      { buffers: [bufferOf(q), bufferOf(output)], rowLength: t * d },
      { buffers: [bufferOf(k), bufferOf(v)], rowLength: s * d },
      { buffers: [bufferOf(rowMax), bufferOf(rowSum)], rowLength: t },
    ],
    rt.bindingLimits,
    (start, count, [qo, kv, stats]) => {
      const bindings = [
        qo!.bindings[0]!,
        kv!.bindings[0]!,
        kv!.bindings[1]!,
        ...biasBinding,
        qo!.bindings[1]!,
        stats!.bindings[0]!,
        stats!.bindings[1]!,
      ];
      const params = attentionParams(p, bias, start, {
        q: qo!.base,
        kv: kv!.base,
        stat: stats!.base,
        packed: 0,
      });
      rt.dispatch(key, pipeline, bindings, params, [Math.ceil(t / (cfg.rows * cfg.rowsPerThread)), count]);
    },
    MAX_HEADS_PER_DISPATCH,
  );
  return { output, rowMax, rowSum };
}
