// The reviews bench, one run, one table (issue 14): the LSTM and the small GPT trained by
// `train reviews --arch both` at an equal token budget (parameters, tokens/s, best
// validation perplexity, wall time), and the bag-of-n-grams logistic regression trained
// on SST-2 train labels, scored on the official GLUE SST-2 dev set (its counts, 872 rows
// and 444 positive, are checked from the file first).
// Run: cd apps/cli && tsx --conditions=source bench/reviews.ts [--data DIR] [--backend B] [--tokens N]
// About 12 minutes on 2 CPU cores with the wasm backend at the defaults.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chooseBackend } from '../src/backend.js';
import { bagOfNgramsBaseline } from '../src/commands/reviews-baseline.js';
import { readSentenceTsv, resolveDataSource } from '../src/commands/reviews-data.js';
import { reviewTable, trainReviews } from '../src/commands/train-reviews.js';

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
const train = await readSentenceTsv(join(data, 'sst2', 'train.tsv'), true);
const baseline = await bagOfNgramsBaseline(train, dev);
console.log('\n## reviews bench (one run)\n');
for (const line of reviewTable(runs)) console.log(line);
console.log(
  `\n| sentiment (GLUE SST-2 dev, ${dev.length} rows, ${positive} positive) | accuracy | train wall s |\n|---|---:|---:|\n` +
    `| logistic regression, bag of unigrams + bigrams (${baseline.features.toLocaleString('en-US')} features, SST-2 train ${train.length.toLocaleString('en-US')} rows) | ${(100 * baseline.accuracy).toFixed(1)}% | ${baseline.wallSeconds.toFixed(0)} |`,
);
