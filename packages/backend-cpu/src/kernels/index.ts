// `@tensorlm/backend-cpu/kernels`: the reference kernels over plain typed arrays, with no
// backend registered. Another backend that keeps its tensors in host memory (the wasm
// backend's views of its linear memory) runs these for the ops it has no faster kernel
// for, so the reference and its reuse are one piece of code.
export { gatherAlongKernel, indexAddKernel, indexSelectKernel, scatterAddAlongKernel } from './indexing.js';
export { erf, gelu, geluErf, geluErfGrad, geluGrad, roundHalfEven } from './math.js';
export { multinomialKernel, randomKernel, topkKernel } from './sampling.js';
