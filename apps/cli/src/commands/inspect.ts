// `tensorlm inspect`: prints a saved model's module tree (as PyTorch's print(model))
// and its parameter count, from a checkpoint folder written by `tensorlm train` or
// `saveModel` (config.json + model.safetensors, Hugging Face layout).
import { loadModel } from '@tensorlm/nn';
import { getBackend, setBackend } from '@tensorlm/tensor-core';
import '@tensorlm/backend-cpu';
import { z } from 'zod';
import { UsageError } from '../args.js';
import { modelDir } from '../checkpoint-files.js';
import { defineCommand } from '../command.js';
import { CommandFailure } from '../errors.js';

const options = z.object({
  checkpoint: z.string({ error: 'give the checkpoint folder: --checkpoint DIR' }).min(1),
  depth: z.coerce.number().int().positive().optional(),
});

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: "print a checkpoint's module tree and parameter count",
  help: `tensorlm inspect --checkpoint DIR [--depth N]

Options:
  --checkpoint DIR   a folder written by 'tensorlm train' (or config.json + model.safetensors)
  --depth N          how deep to print the module tree (default: all)`,
  options,
  async run(opts, positional, io) {
    if (positional.length > 0) throw new UsageError(`unexpected '${positional.join(' ')}'`);
    // Reading a model needs no accelerator: the CPU holds the weights for printing.
    const previous = getBackend().name;
    await setBackend('cpu');
    try {
      const folder = await modelDir(opts.checkpoint);
      const model = await loadModel(folder).catch((error: unknown) => {
        throw new CommandFailure(
          'CLI_MODEL_UNREADABLE',
          `cannot load the model in '${folder}': ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      });
      try {
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
