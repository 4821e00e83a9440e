// `tensorlm embed`: texts → vectors with any BERT, GPT-2 or LSTM LM (a run of `tensorlm train`, a
// Hugging Face folder, a Hub repo), through @tensorlm/tasks' feature-extraction pipeline:
// mean / cls / last pooling (or one vector per token), optionally L2-normalised. Texts come
// as arguments or one per line of --file; vectors print one per line (text, then numbers),
// or with --json as `{ model, pooling, normalize, dimension, vectors }` on stdout.
import { readFile } from 'node:fs/promises';
import { type Features, POOLINGS, pipeline } from '@tensorlm/tasks';
import { z } from 'zod';
import { switchOption, UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { CommandFailure } from '../errors.js';
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
  pooling: z.enum(POOLINGS, { error: `give one of ${POOLINGS.join(', ')}` }).default('mean'),
  normalize: switchOption.default(false),
  file: z.string().min(1).optional(),
  'batch-size': z.coerce.number().int().positive().default(32),
});

export interface EmbedCommandResult {
  texts: string[];
  vectors: Features[];
}

/** The texts: the arguments, or the non-empty lines of --file (not both). */
async function readTexts(positional: readonly string[], file: string | undefined): Promise<string[]> {
  if (file !== undefined && positional.length > 0)
    throw new UsageError('give texts as arguments or --file, not both');
  if (file === undefined) {
    if (positional.length === 0)
      throw new UsageError(
        'give texts to embed, e.g. tensorlm embed --model M "a text" "another", or --file F',
      );
    return positional.slice();
  }
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    throw new CommandFailure(
      'CLI_FILE_UNREADABLE',
      `cannot read --file ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  const lines = content.split(/\r?\n/).filter((line) => line.trim().length > 0);
  if (lines.length === 0)
    throw new CommandFailure('CLI_FILE_EMPTY', `--file ${file} holds no text (no non-empty line)`);
  return lines;
}

const fmt = (x: number) => Number(x.toPrecision(7)).toString();

export const embedCommand = defineCommand({
  name: 'embed',
  summary: 'turn texts into vectors (mean / cls / last pooling) with a BERT, GPT-2 or LSTM LM',
  help: `tensorlm embed --model DIR|REPO [options] "text" ... | --file F

Prints one vector per text: the text, a tab, then the numbers separated by spaces.

Options:
  --model DIR|REPO      ${MODEL_OPTION_HELP}
  --checkpoint DIR      another name for --model
  --pooling P           mean (default: the average over the text's tokens), cls (the first
                        token), last (the last token, for a GPT) or none (a vector per token)
  --normalize           scale every vector to length 1 (cosine similarity = dot product)
  --file F              embed each non-empty line of F instead of arguments
  --batch-size N        texts per forward pass (default 32)
  --json                print { model, pooling, normalize, dimension, vectors } on stdout;
                        messages go to stderr
  --tokenizer T         override the model's own tokenizer (a tokenizer file or folder)
  --backend B           auto (default), webgpu, wasm or cpu`,
  options,
  switches: ['normalize', 'json'],
  async run(opts, positional, io): Promise<EmbedCommandResult> {
    const texts = await readTexts(positional, opts.file);
    const source = modelSource(opts);
    const out = jsonIO(io, opts.json);
    const loaded = await loadModelForTask(source, out, {
      command: 'embed',
      expect: 'encoder',
      backend: opts.backend,
      tokenizer: opts.tokenizer,
    });
    try {
      describeLoad(loaded, out);
      const embed = await pipeline('feature-extraction', loaded, {
        batchSize: opts['batch-size'],
        onNote: (m) => (io.err ?? console.error)(`note: ${m}`),
      });
      let vectors: Features[];
      try {
        vectors = await embed(texts, { pooling: opts.pooling, normalize: opts.normalize });
      } catch (error) {
        throw taskFailure(error);
      } finally {
        embed.dispose();
      }
      if (opts.json)
        io.out(
          JSON.stringify({
            model: source,
            pooling: opts.pooling,
            normalize: opts.normalize,
            dimension: embed.dimension,
            vectors,
          }),
        );
      else
        texts.forEach((text, i) => {
          const v = vectors[i]!;
          const rows = (opts.pooling === 'none' ? v : [v]) as number[][];
          for (const row of rows) io.out(`${text.replace(/\s+/g, ' ')}\t${row.map(fmt).join(' ')}`);
        });
      return { texts, vectors };
    } finally {
      loaded.model.dispose();
    }
  },
});
