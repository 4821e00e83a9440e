// Matmul on the GPU: plan.ts decides (kernel, split-k, blocks past one binding),
// dispatch.ts carries the plan out, shaders.ts holds the WGSL.
export { matmul } from './dispatch.js';
export { f16Bytes, matmulF16Weights, packF16Kernel, unpackF16Kernel } from './f16.js';
export { type MatmulPlan, planMatmul, splitKFactor } from './plan.js';
