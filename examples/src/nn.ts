// The code block of packages/nn/README.md, run by run.test.ts; between the markers it is that block
// verbatim (readme-sync.test.ts fails when the two differ).
// #region readme
import '@tensorlm/backend-cpu'; // registers the 'cpu' backend
import {
  GPT2LMHeadModel,
  gptConfig,
  loadSafetensors,
  onMeta,
  safetensorsToStateDict,
  saveSafetensors,
} from '@tensorlm/nn';
import { manualSeed, noGrad, tensor, tidy } from '@tensorlm/tensor-core';

// Print GPT-2 124M without allocating its weights (as PyTorch's meta device).
const gpt2 = onMeta(() => new GPT2LMHeadModel(gptConfig('gpt2')));
console.log(gpt2.numParameters()); // 124439808
console.log(gpt2.summary({ depth: 2 }));

// Train minGPT's gpt-nano on a toy sequence for a few steps (plain SGD).
manualSeed(0);
const model = new GPT2LMHeadModel(
  gptConfig('gpt-nano', { vocabSize: 10, blockSize: 16, embdPdrop: 0, residPdrop: 0, attnPdrop: 0 }),
);
const x = tensor([[1, 2, 3, 4, 5, 6, 7, 8]], { dtype: 'i32' });
const y = tensor([[2, 3, 4, 5, 6, 7, 8, 9]], { dtype: 'i32' });
for (let step = 0; step < 30; step++) {
  const loss = tidy(() => {
    const { loss } = model.forward(x, { targets: y });
    loss!.backward();
    return loss!;
  });
  // Parameters are updated in place, outside autograd (an optimizer in @tensorlm/trainer does this).
  noGrad(() => tidy(() => model.parameters().forEach((p) => p.assign(p.sub(p.grad!.mul(0.5))))));
  model.zeroGrad();
  if (step % 10 === 0) console.log(step, (await loss.item()).toFixed(3));
  loss.dispose();
}

// Save the weights as safetensors (tied ones once) and load them into a shape-only model.
// Whole Hugging Face folders (config.json, tokenizer): @tensorlm/hub-loader's savePretrained.
await saveSafetensors('/tmp/gpt-nano.safetensors', model.stateDict({ dedupeTied: true }));
const loaded = onMeta(() => new GPT2LMHeadModel(model.config)).eval();
loaded.loadStateDict(safetensorsToStateDict(await loadSafetensors('/tmp/gpt-nano.safetensors')));
const logits = tidy(() => loaded.forward(x).logits); // (1, 8, 10)
console.log(logits.shape);
// #endregion readme
