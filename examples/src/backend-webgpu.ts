// The code block of packages/backend-webgpu/README.md, run by run.test.ts; between the markers it is that block
// verbatim (readme-sync.test.ts fails when the two differ).
// #region readme
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { getBackend, matmul, randn, selectBackend } from '@tensorlm/tensor-core';

await selectBackend(); // webgpu when an adapter exists, else cpu with a one-line notice
console.log(getBackend().describe()); // adapter name, Dawn backend, limits
const c = matmul(randn([512, 512]), randn([512, 512]));
console.log(await c.sum().item());
// #endregion readme
