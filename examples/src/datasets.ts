// The code block of packages/datasets/README.md, run by run.test.ts; between the markers it is that block
// verbatim (readme-sync.test.ts fails when the two differ).
// #region readme
import '@tensorlm/backend-cpu'; // a backend, for the tensors batches are made of
import {
  causalLmCollate,
  createTextLoader,
  DataLoader,
  GrammarSampler,
  loadTheVerdict,
  trainValSplit,
} from '@tensorlm/datasets';
import { getEncoding } from 'js-tiktoken'; // any { encode(text) } works

// Next-token windows over the bundled short story, as the seed (GPTDatasetV1).
const text = await loadTheVerdict(); // 20,479 characters, offline
const [train, val] = trainValSplit(text, 0.9); // split the characters, then tokenise each part
const gpt2 = getEncoding('gpt2');
const trainLoader = createTextLoader(train, gpt2, { batchSize: 2, maxLength: 256, stride: 256 });
console.log(trainLoader.length); // 9 batches (shuffled each epoch, last partial batch dropped)
for await (const { input, target } of trainLoader) {
  console.log(input.shape, input.dtype); // [2, 256] 'i32'; target is input shifted by one
  input.dispose();
  target.dispose();
}

// Sentences of the toy grammar, forever, padded into next-token batches.
const sampler = new GrammarSampler({ seed: 0 });
const grammar = sampler.grammar; // 39 ids: [Pad] = 0, [End] = 1, then 37 words
for await (const batch of new DataLoader(sampler, {
  batchSize: 512,
  collate: causalLmCollate({ padId: 0 }),
})) {
  // batch.input / batch.target: [512, L] i32, target -100 under padding; batch.mask: bool
  for (const t of Object.values(batch)) t.dispose();
  break;
}
console.log(grammar.accepts('the cat that ran saw a dog'), grammar.accepts('the cat saw')); // true false
// #endregion readme
