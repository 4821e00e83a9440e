// `tensorlm inspect`: prints a model's module tree (as PyTorch's print(model), to --depth
// levels with ModuleList lengths and parameter counts) and its parameter count, for
// whatever `--model` names — a Hugging Face folder, a run or checkpoint of `tensorlm
// train`, a Hub repo id — loaded through hub-loader (see ../model-files.ts).
import { getBackend, setBackend } from '@tensorlm/tensor-core';
import '@tensorlm/backend-cpu';
import { z } from 'zod';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { describeLoad, loadLocated, locateSource, MODEL_OPTION_HELP, modelSource } from '../model-files.js';

const options = z.object({
  model: z.string().min(1).optional(),
  checkpoint: z.string().min(1).optional(),
  depth: z.coerce
    .number({ error: 'give the number of levels, e.g. --depth 2' })
    .int('give a whole number of levels, e.g. --depth 2')
    .positive('give 1 or more levels, e.g. --depth 2')
    .optional(),
});

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: "print a model's module tree and parameter count",
  help: `tensorlm inspect --model DIR|REPO [--depth N]

Options:
  --model DIR|REPO   ${MODEL_OPTION_HELP.replace(/\n {24}/g, '\n                     ')}
  --checkpoint DIR   another name for --model
  --depth N          how many levels of the module tree to print (default: all, repeated
                     blocks folded as PyTorch prints them)`,
  options,
  async run(opts, positional, io) {
    if (positional.length > 0) throw new UsageError(`unexpected '${positional.join(' ')}'`);
    const source = modelSource(opts);
    const located = await locateSource(source, io);
    // Reading a model needs no accelerator: the CPU holds the weights for printing.
    const previous = getBackend().name;
    await setBackend('cpu');
    try {
      const loaded = await loadLocated(source, located);
      const { model } = loaded;
      try {
        describeLoad(loaded, io);
        const tree = opts.depth === undefined ? model.toString() : model.summary({ depth: opts.depth });
        for (const line of tree.split('\n')) io.out(line);
        const count = model.numParameters();
        io.out(`parameters: ${count.toLocaleString('en-US')} (${(count / 1e6).toFixed(2)}M)`);
        return { parameters: count };
      } finally {
        model.dispose();
      }
    } finally {
      await setBackend(previous);
    }
  },
});
