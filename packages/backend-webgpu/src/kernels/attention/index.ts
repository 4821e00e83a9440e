// Fused scaled dot-product attention for the WebGPU backend (forward and backward).
import type { FusedKernels } from '@tensorlm/tensor-core';

export { attentionBackwardKernel } from './backward.js';
export { type AttentionHost, attentionKernel } from './forward.js';
export { attentionScheduleOverride, attentionTiles, MAX_HEAD_SIZE } from './plan.js';

/** The backend methods' arguments (the kernels take the backend first). */
export type AttentionArgs = Parameters<FusedKernels['attention']>;
export type AttentionBackwardArgs = Parameters<FusedKernels['attentionBackward']>;
