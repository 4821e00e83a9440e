// The code block of packages/backend-cpu/README.md, run by run.test.ts; between the markers it is that block
// verbatim (readme-sync.test.ts fails when the two differ).
// #region readme
import '@tensorlm/backend-cpu'; // registers 'cpu'
import { matmul, randn, setBackend } from '@tensorlm/tensor-core';

await setBackend('cpu');
const c = matmul(randn([512, 512]), randn([512, 512]));
console.log(c.shape); // [512, 512]
// #endregion readme
