// Benchmark W6 (../shared/bench/WORKLOADS.md): GPT-2 byte-level BPE encode of
// the-verdict.txt repeated to 1 MB, in MB/s, for tensorlm, js-tiktoken and gpt-tokenizer
// in one run; the ids must equal js-tiktoken's. Run: pnpm --filter @tensorlm/tokenizers bench
import { readFileSync } from 'node:fs';
import { formatTable, measure } from '@tensorlm/bench-harness';
import { encode as gptTokenizerEncode } from 'gpt-tokenizer/encoding/gpt2';
import { getEncoding } from 'js-tiktoken';
import { gpt2 } from '../src/index.js';

// The-verdict is public domain; the copy in the shared data folder is the benchmark's input.
const VERDICT = new URL('../../../../shared/data/the-verdict/the-verdict.txt', import.meta.url);
const TARGET_BYTES = 1_000_000;

const verdict = readFileSync(process.env.TENSORLM_VERDICT ?? VERDICT, 'utf8');
let text = '';
while (Buffer.byteLength(text) < TARGET_BYTES) text += verdict;
const megabytes = Buffer.byteLength(text) / 1e6;

const tensorlm = await gpt2();
const tiktoken = getEncoding('gpt2');

const reference = tiktoken.encode(text);
const ours = tensorlm.encode(text);
const others = gptTokenizerEncode(text);
const same = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((v, i) => v === b[i]);
if (!same(ours, reference)) throw new Error('W6: tensorlm ids differ from js-tiktoken');
if (!same(others, reference)) console.warn('W6: note: gpt-tokenizer ids differ from js-tiktoken');

const encoders: ReadonlyArray<readonly [string, () => unknown]> = [
  ['tensorlm', () => tensorlm.encode(text)],
  [
    'tensorlm, cache emptied each rep',
    () => {
      tensorlm.clearCache();
      return tensorlm.encode(text);
    },
  ],
  ['js-tiktoken 1.0.21', () => tiktoken.encode(text)],
  ['gpt-tokenizer 4.0.0', () => gptTokenizerEncode(text)],
];

const rows: Array<Array<string | number>> = [['encoder', 'median ms', 'min ms', 'MB/s (median)', 'reps']];
for (const [name, run] of encoders) {
  const m = await measure(run, { warmup: 2, repetitions: 7 });
  rows.push([
    name,
    m.medianMs.toFixed(1),
    m.minMs.toFixed(1),
    (megabytes / (m.medianMs / 1000)).toFixed(1),
    m.samplesMs.length,
  ]);
}

console.log(
  `W6: GPT-2 BPE encode of the-verdict.txt × ${Math.round(text.length / verdict.length)} (${megabytes.toFixed(2)} MB, ${reference.length} tokens)`,
);
console.log(formatTable(rows));
console.log('ids identical to js-tiktoken: yes');
