// The bag-of-n-grams baseline and the review files: bigrams let it learn negation that no
// weighting of unigrams can (good / not good / bad / not bad is XOR-like on unigrams);
// labels other than 0/1 and empty reviews are refused with their file and line; an
// rt-polarity snippet holding a GLUE dev sentence never reaches training.
import '@tensorlm/backend-cpu';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bagOfNgramsBaseline, baselinePickedOnValidation, ngrams, words } from './reviews-baseline.js';
import { readReviewCorpus, readSentenceTsv, withoutDevSentences } from './reviews-data.js';

const dir = mkdtempSync(join(tmpdir(), 'tensorlm-reviews-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('bag-of-n-grams logistic regression', () => {
  it('splits punctuation and lower-cases; n-grams are distinct unigrams and bigrams', () => {
    expect(words("It's GOOD, isn't it?")).toEqual(['it', "'", 's', 'good', ',', 'isn', "'", 't', 'it', '?']);
    expect(ngrams('not good not good').sort()).toEqual(['good', 'good not', 'not', 'not good'].sort());
  });

  it('learns negation through bigrams: every held-out review right', async () => {
    const subjects = ['the film', 'this movie', 'the plot', 'the acting', 'the score', 'the cast'];
    const make = (subject: string) => [
      { text: `${subject} is good`, label: 1 },
      { text: `${subject} is not good`, label: 0 },
      { text: `${subject} is bad`, label: 0 },
      { text: `${subject} is not bad`, label: 1 },
    ];
    const train = subjects.slice(0, 4).flatMap(make);
    const test = subjects.slice(4).flatMap(make);
    const result = await bagOfNgramsBaseline(train, test, { minCount: 1, epochs: 60, batchSize: 8, lr: 0.1 });
    expect(result.total).toBe(8);
    expect(result.correct).toBe(8);
    expect(result.accuracy).toBe(1);
  });

  it('picks its epochs on the validation split, then scores the test set once', async () => {
    const subjects = ['the film', 'this movie', 'the plot', 'the acting', 'the score', 'the cast'];
    const make = (subject: string) => [
      { text: `${subject} is good`, label: 1 },
      { text: `${subject} is not good`, label: 0 },
      { text: `${subject} is bad`, label: 0 },
      { text: `${subject} is not bad`, label: 1 },
    ];
    const picked = await baselinePickedOnValidation(
      subjects.slice(0, 4).flatMap(make),
      make(subjects[4]!),
      make(subjects[5]!),
      { minCount: 1, batchSize: 8, lr: 0.1, maxEpochs: 3 },
    );
    expect(picked.validation).toHaveLength(3);
    expect(picked.epochs).toBe(picked.validation.indexOf(Math.max(...picked.validation)) + 1);
    expect(picked.total).toBe(4);
  });
});

describe('review files', () => {
  it('refuses labels other than 0/1 and empty reviews, naming file and line', async () => {
    const bad = join(dir, 'bad.tsv');
    writeFileSync(bad, 'sentence\tlabel\na fine film\t1\nawful\t2\n');
    await expect(readSentenceTsv(bad, true)).rejects.toThrow(/bad\.tsv:3: label must be 0 or 1, got "2"/);
    const empty = join(dir, 'empty.tsv');
    writeFileSync(empty, 'sentence\tlabel\na fine film\t1\n \t0\n');
    await expect(readSentenceTsv(empty, true)).rejects.toThrow(/empty\.tsv:3: empty review/);
    const header = join(dir, 'header.tsv');
    writeFileSync(header, 'text\tlabel\nfine\t1\n');
    await expect(readSentenceTsv(header, true)).rejects.toThrow(
      /header\.tsv:1: the header must name the columns 'sentence' and 'label'/,
    );
  });

  it('reads a data folder (SST-2 train + rt-polarity) and names what is missing', async () => {
    const data = join(dir, 'data');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(data, 'sst2'), { recursive: true });
    writeFileSync(join(data, 'sst2', 'train.tsv'), 'sentence\tlabel\nfine film \t1\n');
    await expect(readReviewCorpus(data)).rejects.toThrow(/missing .*rt-polarity\.pos/);
    mkdirSync(join(data, 'rt-polarity'));
    writeFileSync(join(data, 'rt-polarity', 'rt-polarity.pos'), 'a joy .\n\n');
    writeFileSync(join(data, 'rt-polarity', 'rt-polarity.neg'), 'a bore .\r\n');
    const corpus = await readReviewCorpus(data);
    expect(corpus.documents).toEqual(['fine film', 'a joy .', 'a bore .']);
    // A GLUE dev sentence inside an rt-polarity snippet (rt-polarity is SST's source) is left out.
    writeFileSync(
      join(data, 'sst2', 'glue_dev.tsv'),
      "sentence\tlabel\nit 's a charming and often affecting journey . \t1\n",
    );
    writeFileSync(
      join(data, 'rt-polarity', 'rt-polarity.pos'),
      "a joy .\nit's a charming and often affecting journey . \nanother joy .\n",
    );
    expect((await readReviewCorpus(data)).documents).toEqual([
      'fine film',
      'a joy .',
      'another joy .',
      'a bore .',
    ]);
  });

  it('compares sentences by letters and digits only, skipping keys too short to mean a leak', () => {
    const held = ['The Film , is GOOD', 'ok'];
    const { kept, dropped } = withoutDevSentences(
      ['the film is good and long', 'thefilmisgood', 'ok then', 'a film'],
      held,
    );
    // 'thefilmisgood' is 13 characters: under 20, so nothing is matched by it.
    expect(kept).toEqual(['the film is good and long', 'thefilmisgood', 'ok then', 'a film']);
    expect(dropped).toBe(0);
    const long = withoutDevSentences(
      ['in the end , the film is good and long', 'a film'],
      ['The film , is GOOD and LONG'],
    );
    expect(long).toEqual({ kept: ['a film'], dropped: 1 });
  });
});
