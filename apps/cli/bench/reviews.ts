// The reviews bench, one run, one table (issue 14): the LSTM and the small GPT trained by
// `train reviews --arch both` at an equal token budget (parameters, tokens/s, best
// validation perplexity, wall time); then sentiment on the official GLUE SST-2 dev set
// (its counts, 872 rows and 444 positive, are checked from the file first): the
// bag-of-n-grams logistic regression, and `train sentiment` on the transformer just
// trained, frozen base + head and --finetune, run through the CLI command as a user runs
// them. Every choice (epochs, pooling, checkpoint) is made on the validation sentences:
// the rows of sst2/validation.tsv that no training row contains (validationSentences);
// the dev set is only scored.
// Run: cd apps/cli && tsx --conditions=source bench/reviews.ts [--data DIR] [--backend B] [--tokens N]
// About 6 minutes on 2 quiet CPU cores with the wasm backend at the defaults (362 s measured;
// 723 s at load average 5).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chooseBackend } from '../src/backend.js';
import { parseCommandLine } from '../src/cli.js';
import { baselinePickedOnValidation } from '../src/commands/reviews-baseline.js';
import { readSentenceTsv, resolveDataSource } from '../src/commands/reviews-data.js';
import { trainCommand } from '../src/commands/train.js';
import { reviewTable, trainReviews } from '../src/commands/train-reviews.js';
import type { SentimentResult } from '../src/commands/train-sentiment.js';
import { readSentimentData } from '../src/commands/train-sentiment-data.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    tokens: { type: 'string' },
    out: { type: 'string', default: 'runs/bench-reviews' },
  },
});
const io = { out: (line: string) => console.log(line) };
// The default is the repository's sibling ../shared/data, wherever the bench is run from.
const repoData = fileURLToPath(new URL('../../../../shared/data', import.meta.url));
const data = resolveDataSource(values.data ?? repoData);
const dev = await readSentenceTsv(join(data, 'sst2', 'glue_dev.tsv'), true);
const positive = dev.filter((r) => r.label === 1).length;
if (dev.length !== 872 || positive !== 444)
  throw new Error(`glue_dev.tsv: expected 872 rows with 444 positive, found ${dev.length} with ${positive}`);
await chooseBackend(values.backend!, io);
const { runs } = await trainReviews(
  {
    arch: 'both',
    data,
    out: values.out,
    ...(values.tokens ? { tokens: Number(values.tokens) } : {}),
    'eval-iters': 4,
    seed: 0,
    resume: false,
    overwrite: true,
  },
  io,
  { write: (text) => process.stdout.write(text), isTTY: false },
);
const labelled = await readSentimentData(data, false);
const { train, val, pick } = labelled;
const baseline = await baselinePickedOnValidation(train, pick, dev);

/** `tensorlm train sentiment …` through the command itself. */
async function sentiment(extra: string[]): Promise<SentimentResult> {
  const argv = ['sentiment', '--base', `${values.out}-transformer`, '--data', data, '--overwrite', ...extra];
  const { options, positional } = parseCommandLine(trainCommand, [...argv, '--backend', values.backend!]);
  return (await trainCommand.run(options, positional, {
    out: io.out,
    write: (text) => process.stdout.write(text),
  })) as unknown as SentimentResult;
}
const frozen = await sentiment(['--out', `${values.out}-sentiment-frozen`]);
const finetuned = await sentiment(['--finetune', '--out', `${values.out}-sentiment-finetuned`]);

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
console.log('\n## reviews bench (one run)\n');
for (const line of reviewTable(runs)) console.log(line);
console.log(
  `\n| sentiment (GLUE SST-2 dev, ${dev.length} rows, ${positive} positive) | picked on validation sentences | validation sentences | whole validation | dev accuracy | train wall s |\n|---|---|---:|---:|---:|---:|`,
);
console.log(
  `| logistic regression, bag of unigrams + bigrams (${baseline.features.toLocaleString('en-US')} features) | ${baseline.epochs} epochs | ${pct(Math.max(...baseline.validation))} | — | ${pct(baseline.accuracy)} | ${baseline.wallSeconds.toFixed(0)} |`,
);
for (const [name, r] of [
  ['frozen transformer + linear head', frozen],
  ['fine-tuned transformer', finetuned],
] as const)
  console.log(
    `| ${name} | ${r.pooling}-token pooling | ${pct(r.pickAccuracy)} | ${pct(r.valAccuracy)} | ${pct(r.devAccuracy)} | ${r.wallSeconds.toFixed(0)} |`,
  );
console.log(
  `\nTraining rows: SST-2 train, ${train.length.toLocaleString('en-US')} sentences and phrases; validation: sst2/validation.tsv (${val.length.toLocaleString('en-US')} rows, of which ${pick.length.toLocaleString('en-US')} validation sentences: the rows no training row contains).`,
);
