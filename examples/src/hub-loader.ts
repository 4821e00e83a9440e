// The code block of packages/hub-loader/README.md, run by run.test.ts; between the markers it is that block
// verbatim (readme-sync.test.ts fails when the two differ).
// #region readme
import '@tensorlm/backend-cpu';
import { formatLoadReport, fromPretrained, savePretrained } from '@tensorlm/hub-loader';
import { GPT2LMHeadModel, gptConfig } from '@tensorlm/nn';
import { tensor } from '@tensorlm/tensor-core';

const model = new GPT2LMHeadModel(gptConfig('gpt-nano', { vocabSize: 50, blockSize: 32 })).eval();
await savePretrained('/tmp/gpt-nano-hf', { model });

const loaded = await fromPretrained<GPT2LMHeadModel>('/tmp/gpt-nano-hf');
const logits = loaded.model.forward(tensor([[1, 2, 3]], { dtype: 'i32' })).logits;
console.log(logits.shape, formatLoadReport(loaded.report));
// #endregion readme
