// The code block of packages/trainer/README.md, run by run.test.ts; between the markers it is that block
// verbatim (readme-sync.test.ts fails when the two differ).
// #region readme
import '@tensorlm/backend-cpu'; // or '@tensorlm/backend-webgpu' + await setBackend('webgpu')
import { GrammarSampler } from '@tensorlm/datasets';
import { fromPretrained } from '@tensorlm/hub-loader';
import { GPT2LMHeadModel } from '@tensorlm/nn';
import { manualSeed } from '@tensorlm/tensor-core';
import {
  causalLmTrainer,
  measureLmLosses,
  padBatch,
  tokenBatchSource,
  writeLossCurveSvg,
} from '@tensorlm/trainer';

manualSeed(0);
// The toy grammar's mini GPT: vocab 39, 128 positions, embd 64, 3 layers, 8 heads.
const model = new GPT2LMHeadModel({ vocabSize: 39, blockSize: 128, nEmbd: 64, nLayer: 3, nHead: 8 });

// Batch i = 64 grammar sentences drawn with a seed derived from (seed, i), padded to 20 ids.
const grammarBatches = (seed: number) =>
  tokenBatchSource({
    sample: (n, s) => new GrammarSampler({ seed: s }).batch(n),
    batchSize: 64,
    length: 20,
    seed,
  });

const trainer = causalLmTrainer(
  // Loss: next-token CE over real tokens (padId 0); padPositions: 'included' counts pads as the seed did.
  { model, train: grammarBatches(0), val: grammarBatches(1), padId: 0 },
  {
    maxSteps: 40,
    schedule: { kind: 'cosine', lr: 5e-4, warmupSteps: 5, decaySteps: 40, minLr: 5e-5 },
    gradClip: 1.0,
    evalInterval: 20,
    evalIters: 2,
    checkpointDir: './runs/grammar', // checkpoint-<step>/ folders + latest.json / best.json
    checkpointInterval: 20,
    resume: true, // continue from ./runs/grammar/latest.json when it exists
  },
);
trainer.on('eval', (info) => console.log(info.metrics)); // { lossPadIncluded, lossPadIgnored }
const result = await trainer.run(); // a progress bar on a terminal, plain lines otherwise

await writeLossCurveSvg('./runs/grammar/loss-curve.svg', result.history);
const heldOut = padBatch(new GrammarSampler({ seed: 99 }).batch(256), 20, 0);
console.log(await measureLmLosses(model, heldOut, { padId: 0 })); // { padIncluded, padIgnored }

// Every checkpoint folder is a Hugging Face folder (transformers loads it too); so is the run.
const reloaded = await fromPretrained<GPT2LMHeadModel>('./runs/grammar'); // its best checkpoint
console.log(reloaded.model.numParameters());
// #endregion readme
