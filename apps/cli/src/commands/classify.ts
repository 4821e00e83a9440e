// `tensorlm classify`: a label and its probability for each text, with a sequence
// classifier (BertForSequenceClassification or GPT2ForSequenceClassification, e.g. a
// `train sentiment` run; labels from config.json's id2label) — a
// Hugging Face folder, a run, a Hub repo — through @tensorlm/tasks' text-classification
// pipeline. One line per label, or with --json the labels and scores on stdout.
import { type ClassificationLabel, pipeline } from '@tensorlm/tasks';
import { z } from 'zod';
import { switchOption, UsageError } from '../args.js';
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
    .number({ error: 'give a number of labels, e.g. --top-k 2' })
    .int('give a whole number of labels, e.g. --top-k 2')
    .positive('give 1 or more labels, e.g. --top-k 2')
    .optional(),
  all: switchOption.default(false),
});

export interface ClassifyCommandResult {
  texts: string[];
  labels: ClassificationLabel[][];
}

export const classifyCommand = defineCommand({
  name: 'classify',
  summary: 'label texts with a sequence classifier (sentiment, topics, …)',
  help: `tensorlm classify --model DIR|REPO [options] "text" ...

Prints the most likely label of each text with its probability (softmax over the labels).

Options:
  --model DIR|REPO      ${MODEL_OPTION_HELP}
  --checkpoint DIR      another name for --model
  --top-k K             labels per text, best first (default 1)
  --all                 every label
  --json                print [{ text, labels: [{ label, score }] }] on stdout; messages go to stderr
  --tokenizer T         override the model's own tokenizer (a tokenizer file or folder)
  --backend B           auto (default), webgpu, wasm or cpu`,
  options,
  switches: ['all', 'json'],
  async run(opts, positional, io): Promise<ClassifyCommandResult> {
    if (positional.length === 0)
      throw new UsageError('give texts to classify, e.g. tensorlm classify --model M "what a great film"');
    if (opts.all && opts['top-k'] !== undefined) throw new UsageError('give --top-k or --all, not both');
    const source = modelSource(opts);
    const out = jsonIO(io, opts.json);
    const loaded = await loadModelForTask(source, out, {
      command: 'classify',
      expect: 'sequence-classification',
      backend: opts.backend,
      tokenizer: opts.tokenizer,
    });
    try {
      describeLoad(loaded, out);
      const classify = await pipeline('text-classification', loaded, {
        onNote: (m) => (io.err ?? console.error)(`note: ${m}`),
      });
      let labels: ClassificationLabel[][];
      try {
        labels = await classify(positional, { topK: opts.all ? null : (opts['top-k'] ?? 1) });
      } catch (error) {
        throw taskFailure(error);
      } finally {
        classify.dispose();
      }
      if (opts.json) io.out(JSON.stringify(positional.map((text, i) => ({ text, labels: labels[i] }))));
      else
        positional.forEach((text, i) => {
          const row = labels[i]!;
          if (row.length === 1) io.out(`${row[0]!.label} (${row[0]!.score.toFixed(4)})  ${text}`);
          else {
            io.out(text);
            for (const { label, score } of row) io.out(`  ${score.toFixed(4)}  ${label}`);
          }
        });
      return { texts: positional.slice(), labels };
    } finally {
      loaded.model.dispose();
    }
  },
});
