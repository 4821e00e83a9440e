// The code block of packages/tensor-core/README.md, run by run.test.ts; between the markers it is that block
// verbatim (readme-sync.test.ts fails when the two differ).
// #region readme
import '@tensorlm/backend-cpu'; // registers the 'cpu' backend
import { crossEntropy, linear, noGrad, randn, tensor, tidy, zeros } from '@tensorlm/tensor-core';

const w = randn([3, 4], { seed: 0 }).mul(0.1).requireGrad();
const b = zeros([3], { requiresGrad: true });
const x = randn([8, 4], { seed: 1 });
const y = tensor([0, 1, 2, 0, 1, 2, 0, 1], { dtype: 'i32' });

for (let step = 0; step < 100; step++) {
  const loss = tidy(() => {
    const loss = crossEntropy(linear(x, w, b), y);
    loss.backward();
    noGrad(() => {
      for (const p of [w, b]) {
        p.assign(p.sub(p.grad!.mul(0.5)));
        p.grad!.dispose();
        p.grad = null;
      }
    });
    return loss.detach();
  });
  if (step % 20 === 0) console.log(step, await loss.item());
  loss.dispose();
}
// #endregion readme
