// The code block of packages/decoding/README.md, run by run.test.ts; between the markers it is that block
// verbatim (readme-sync.test.ts fails when the two differ).
// #region readme
import '@tensorlm/backend-cpu'; // or '@tensorlm/backend-webgpu' + await selectBackend()
import { generate, generateStream } from '@tensorlm/decoding';
import { GPT2LMHeadModel, gptConfig } from '@tensorlm/nn';
import { manualSeed } from '@tensorlm/tensor-core';

manualSeed(0);
const model = new GPT2LMHeadModel(gptConfig('gpt-nano', { vocabSize: 65, blockSize: 32 })).eval();

// Greedy (the default): 20 new tokens after a 3-token prompt (ids from any tokenizer).
const greedy = await generate(model, [1, 2, 3], { maxNewTokens: 20 });
console.log(greedy.sequences[0]); // the prompt followed by 20 new ids

// Seeded sampling: temperature → top-k → top-p, two continuations of each of two prompts
// of different lengths, each stopping at its own EOS.
const sampled = await generate(model, [[1, 2, 3], [4]], {
  maxNewTokens: 20,
  doSample: true,
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  numReturnSequences: 2,
  eosTokenId: 0,
  seed: 42, // the same seed gives the same tokens
});
console.log(sampled.newTokens, sampled.finishReasons, sampled.promptIndices); // 4 rows: [0, 0, 1, 1]

// Streaming: one event per step, as a CLI prints tokens as they come.
for await (const { tokens } of generateStream(model, [1, 2, 3], { maxNewTokens: 10 })) {
  process.stdout.write(`${tokens[0]} `); // tokenizer.decode([tokens[0]]) with a real tokenizer
}
// #endregion readme
