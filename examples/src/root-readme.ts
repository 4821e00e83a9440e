// The code block of README.md, run by run.test.ts; between the markers it is that block
// verbatim (readme-sync.test.ts fails when the two differ).
// #region readme
import '@tensorlm/backend-cpu';
import { matmul, softmax, tensor } from '@tensorlm/tensor-core';

const x = tensor(
  [
    [1, 2],
    [3, 4],
  ],
  { requiresGrad: true },
);
const loss = softmax(matmul(x, x)).sum(1).mean();
loss.backward();
console.log(await x.grad!.toArray());
// #endregion readme
