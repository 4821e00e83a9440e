// The fused attention backward on the device, a two-pass scheme that needs no atomics
// (FlashAttention-2 accumulates dQ across key tiles with atomics, which WGSL lacks for
// f32): a row pass packs each query row's m, 1/l and delta = Σ dO·O; the dQ pass owns
// query rows and streams key tiles; the dK/dV pass owns key rows and streams query
// tiles. Each recomputes the scores from q and k, so no (T, S) matrix is ever stored.
import {
  type AttentionParams,
  composedKernels,
  type KernelTensor,
  type Storage,
} from '@tensorlm/tensor-core';
import { forEachRowGroupWindow, WORD } from '../../binding-windows.js';
import type { GpuBinding } from '../../runtime.js';
import {
  type AttentionHost,
  attentionParams,
  bufferOf,
  MAX_HEADS_PER_DISPATCH,
  planAttention,
  vectorWidth,
} from './forward.js';
import { dkvShader, dqShader, statsShader } from './shaders.js';

/** Threads per workgroup of the row-statistics pass. */
const STATS_ROWS = 64;

export function attentionBackwardKernel(
  host: AttentionHost,
  q: KernelTensor,
  k: KernelTensor,
  v: KernelTensor,
  bias: KernelTensor | null,
  output: KernelTensor,
  dOutput: KernelTensor,
  rowMax: KernelTensor,
  rowSum: KernelTensor,
  p: AttentionParams,
): { dq: Storage; dk: Storage; dv: Storage } {
  const rt = host.runtime;
  const { queries: t, keys: s, headSize: d } = p;
  const heads = p.batch * p.heads;
  const tiles = heads * t * d === 0 ? null : planAttention(host, p, bias);
  if (!tiles) {
    return composedKernels.attentionBackward(host, q, k, v, bias, output, dOutput, rowMax, rowSum, p);
  }
  const dq = host.alloc(heads * t * d, 'f32');
  const dk = host.alloc(heads * s * d, 'f32');
  const dv = host.alloc(heads * s * d, 'f32');
  const packed = rt.allocate(heads * t * 4 * WORD);
  const hasBias = bias !== null;
  const dropout = p.dropout > 0;
  const width = vectorWidth(d);
  const shared = { d, width, bias: hasBias, dropout };
  const dqCfg = {
    ...shared,
    rows: tiles.dq.threads,
    rowsPerThread: tiles.dq.rowsPerThread,
    tile: tiles.keyTile,
  };
  const dkvCfg = {
    ...shared,
    rows: tiles.dkv.threads,
    rowsPerThread: tiles.dkv.rowsPerThread,
    tile: tiles.queryTile,
  };
  const statsKey = `attention:stats:${d}`;
  const dqKey = `attention:dq:${d}:${dqCfg.rows}:${dqCfg.tile}:${dqCfg.rowsPerThread}:${hasBias}:${dropout}`;
  const dkvKey = `attention:dkv:${d}:${dkvCfg.rows}:${dkvCfg.tile}:${dkvCfg.rowsPerThread}:${hasBias}:${dropout}`;
  const statsPipeline = rt.pipeline(statsKey, () => statsShader(d, width));
  const dqPipeline = rt.pipeline(dqKey, () => dqShader(dqCfg));
  const dkvPipeline = rt.pipeline(dkvKey, () => dkvShader(dkvCfg));
  const biasBinding = bias ? [bufferOf(bias)] : [];
  forEachRowGroupWindow(
    heads,
    [
      {
        buffers: [bufferOf(q), bufferOf(output), bufferOf(dOutput), bufferOf(dq)],
        rowLength: t * d,
      },
      { buffers: [bufferOf(k), bufferOf(v), bufferOf(dk), bufferOf(dv)], rowLength: s * d },
      { buffers: [bufferOf(rowMax), bufferOf(rowSum)], rowLength: t },
      { buffers: [packed.buffer], rowLength: 4 * t },
    ],
    rt.bindingLimits,
    (start, count, [rowsOf, keysOf, statsOf, packedOf]) => {
      const [qB, oB, doB, dqB] = rowsOf!.bindings as [GpuBinding, GpuBinding, GpuBinding, GpuBinding];
      const [kB, vB, dkB, dvB] = keysOf!.bindings as [GpuBinding, GpuBinding, GpuBinding, GpuBinding];
      const packedB = packedOf!.bindings[0]!;
      const params = attentionParams(p, bias, start, {
        q: rowsOf!.base,
        kv: keysOf!.base,
        stat: statsOf!.base,
        packed: packedOf!.base,
      });
      rt.dispatch(
        statsKey,
        statsPipeline,
        [oB, doB, statsOf!.bindings[0]!, statsOf!.bindings[1]!, packedB],
        params,
        [Math.ceil(t / STATS_ROWS), count],
      );
      rt.dispatch(dqKey, dqPipeline, [qB, kB, vB, ...biasBinding, doB, packedB, dqB], params, [
        Math.ceil(t / (dqCfg.rows * dqCfg.rowsPerThread)),
        count,
      ]);
      rt.dispatch(dkvKey, dkvPipeline, [qB, kB, vB, ...biasBinding, doB, packedB, dkB, dvB], params, [
        Math.ceil(s / (dkvCfg.rows * dkvCfg.rowsPerThread)),
        count,
      ]);
    },
    MAX_HEADS_PER_DISPATCH,
  );
  rt.release(packed);
  return { dq, dk, dv };
}
