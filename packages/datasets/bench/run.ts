// `pnpm bench` for datasets: review chunks streamed from disk with flat memory. Generates
// a ~50 MB JSONL chunk file in a temp dir (writeReviewChunks), then iterates it through a
// DataLoader — in file order (streaming) and shuffled (random access by line offset) —
// collating every batch to padded tensors, and prints RSS before, during (at 25/50/75%),
// after and at the peak. The last row loads the same file the naive way, for contrast.
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import '@tensorlm/backend-cpu';
import { formatTable } from '@tensorlm/bench-harness';
import {
  DataLoader,
  openReviewChunks,
  padCollate,
  type ReviewChunk,
  type ReviewDocument,
  Rng,
  writeReviewChunks,
} from '../src/index.js';

const TARGET_BYTES = 50 * 1024 * 1024;
const MB = 1024 * 1024;
// A settled RSS needs a full collection; expose gc at run time so the plain `tsx` script works.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rssMb = () => process.memoryUsage().rss / MB;
const settle = () => {
  gc();
  return rssMb();
};

const WORDS =
  'the film was great terrible boring moving actor actress plot script score scene director camera light dark story ending twist character dialogue pacing slow fast funny sad brilliant awful'.split(
    ' ',
  );

function* documents(count: number, seed: number): Generator<ReviewDocument> {
  const rng = new Rng(seed);
  for (let d = 0; d < count; d++) {
    const sentences: string[] = [];
    const n = 5 + rng.int(20);
    for (let s = 0; s < n; s++) {
      const len = 4 + rng.int(18);
      const words = Array.from({ length: len }, () => rng.choice(WORDS));
      sentences.push(`${words.join(' ')}${rng.choice(['.', '!', '?'])}`);
    }
    yield { text: sentences.join(rng.int(5) === 0 ? ' <br /><br />' : ' '), label: rng.int(2) };
  }
}

const dir = await mkdtemp(join(tmpdir(), 'tensorlm-datasets-bench-'));
try {
  // Calibrate bytes per document on a small file, then write a little over 50 MiB.
  const probe = join(dir, 'probe.jsonl');
  const chunkOptions = { maxSeqLen: 128, minSeqLen: 16 };
  await writeReviewChunks(documents(2000, 1), probe, chunkOptions);
  const perDoc = statSync(probe).size / 2000;
  const path = join(dir, 'chunks.jsonl');
  const t0 = performance.now();
  const written = await writeReviewChunks(
    documents(Math.ceil((1.03 * TARGET_BYTES) / perDoc), 2),
    path,
    chunkOptions,
  );
  const writeS = (performance.now() - t0) / 1000;
  const bytes = statSync(path).size;
  console.log(
    `wrote ${written.chunks.toLocaleString('en')} chunks of ${written.documents.toLocaleString('en')} documents: ` +
      `${(bytes / MB).toFixed(1)} MiB in ${writeS.toFixed(1)} s (Node ${process.version})`,
  );

  const rows: (string | number)[][] = [
    ['pass', 'records', 'RSS before', '25%', '50%', '75%', 'after', 'peak', 'peak − before', 'MiB/s'],
  ];
  const encode = (c: ReviewChunk) => Array.from(c.text.slice(0, 256), (ch) => ch.charCodeAt(0));
  const pad = padCollate({ padId: 0, maxLen: 256 });
  const collate = (items: ReviewChunk[]) => pad(items.map(encode));

  async function pass(name: string, shuffle: boolean) {
    const ds = await openReviewChunks(path);
    const before = settle();
    let peak = before;
    let records = 0;
    const marks: number[] = [];
    const started = performance.now();
    const loader = shuffle
      ? new DataLoader(ds, { batchSize: 64, shuffle: true, seed: 0, collate })
      : new DataLoader(ds.stream(), { batchSize: 64, collate });
    for await (const batch of loader) {
      records += batch.lengths.length;
      batch.ids.dispose();
      batch.mask.dispose();
      const rss = rssMb();
      peak = Math.max(peak, rss);
      if (marks.length < 3 && records >= ((marks.length + 1) / 4) * ds.length) marks.push(rss);
    }
    const seconds = (performance.now() - started) / 1000;
    const after = settle();
    await ds.close();
    if (records !== ds.length) throw new Error(`${name}: saw ${records} of ${ds.length} records`);
    rows.push([
      name,
      records,
      ...[before, ...marks, after, peak, peak - before].map((v) => v.toFixed(1)),
      (bytes / MB / seconds).toFixed(1),
    ]);
  }

  await pass('stream, file order (batch 64)', false);
  await pass('shuffled, get(i) by offset (batch 64)', true);
  await pass('stream again, warm', false);

  // Contrast: the whole file in memory, parsed.
  const before = settle();
  const all = (await readFile(path, 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as ReviewChunk);
  const held = settle();
  rows.push([
    'naive: readFile + JSON.parse all',
    all.length,
    before.toFixed(1),
    '',
    '',
    '',
    held.toFixed(1),
    '',
    (held - before).toFixed(1),
    '',
  ]);
  console.log(`RSS in MiB (process.memoryUsage().rss; before/after after a full gc)\n${formatTable(rows)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
