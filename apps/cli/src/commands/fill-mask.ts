// `tensorlm fill-mask`: the most likely words for each [MASK] of a text, with a masked LM —
// a run of `tensorlm train mlm`, a Hugging Face BERT folder, a Hub repo — through
// @tensorlm/tasks' fill-mask pipeline. One line per candidate (score, word, filled text),
// or with --json the pipeline's output (transformers' shape) on stdout for scripts.
import { type FillMaskOutput, pipeline } from '@tensorlm/tasks';
import { z } from 'zod';
import { UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import {
  describeLoad,
  jsonIO,
  loadModelForTask,
  MODEL_OPTION_HELP,
  modelSource,
  modelTaskOptions,
  taskFailure,
} from '../model-files.js';

const options = z.object({
  ...modelTaskOptions,
  'top-k': z.coerce
    .number({ error: 'give a number of candidates, e.g. --top-k 5' })
    .int('give a whole number of candidates, e.g. --top-k 5')
    .positive('give 1 or more candidates, e.g. --top-k 5')
    .default(5),
  targets: z.string().min(1).optional(),
});

export interface FillMaskCommandResult {
  texts: string[];
  outputs: FillMaskOutput[];
}

export const fillMaskCommand = defineCommand({
  name: 'fill-mask',
  summary: 'fill in each [MASK] of a text with a masked LM (BERT)',
  help: `tensorlm fill-mask --model DIR|REPO [options] "text with [MASK]" ...

Prints the most likely tokens for every [MASK] in each text (several masks: a list per mask).

Options:
  --model DIR|REPO      ${MODEL_OPTION_HELP}
  --checkpoint DIR      another name for --model
  --top-k K             candidates per mask (default 5)
  --targets W1,W2,...   score only these words
  --json                print the candidates as JSON on stdout (transformers' shape:
                        score, token, tokenStr, sequence); messages go to stderr
  --tokenizer T         override the model's own tokenizer (a tokenizer file or folder)
  --backend B           auto (default), webgpu, wasm or cpu`,
  options,
  switches: ['json'],
  async run(opts, positional, io): Promise<FillMaskCommandResult> {
    if (positional.length === 0)
      throw new UsageError(
        'give a text with [MASK] to fill, e.g. tensorlm fill-mask --model M "the [MASK] saw a cat"',
      );
    const source = modelSource(opts);
    const out = jsonIO(io, opts.json);
    const loaded = await loadModelForTask(source, out, {
      command: 'fill-mask',
      expect: 'masked-lm',
      backend: opts.backend,
      tokenizer: opts.tokenizer,
    });
    try {
      describeLoad(loaded, out);
      const fill = await pipeline('fill-mask', loaded, {
        onNote: (m) => (io.err ?? console.error)(`note: ${m}`),
      });
      const targets = opts.targets
        ?.split(',')
        .map((t) => t.trim())
        .filter((t) => t.length > 0);
      let outputs: FillMaskOutput[];
      try {
        outputs = await fill(positional, { topK: opts['top-k'], ...(targets?.length ? { targets } : {}) });
      } catch (error) {
        throw taskFailure(error);
      } finally {
        fill.dispose();
      }
      if (opts.json) io.out(JSON.stringify(positional.length === 1 ? outputs[0] : outputs));
      else
        positional.forEach((text, i) => {
          const output = outputs[i]!;
          const perMask = (Array.isArray(output[0]) ? output : [output]) as Exclude<
            FillMaskOutput,
            unknown[][]
          >[];
          io.out(text);
          perMask.forEach((candidates, m) => {
            if (perMask.length > 1) io.out(`  mask ${m + 1}:`);
            for (const c of candidates)
              io.out(`  ${c.score.toFixed(4)}  ${c.tokenStr.padEnd(12)}  ${c.sequence}`);
          });
        });
      return { texts: positional.slice(), outputs };
    } finally {
      loaded.model.dispose();
    }
  },
});
