import '@tensorlm/backend-cpu';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getEncoding } from 'js-tiktoken';
import { afterAll, describe, expect, it } from 'vitest';
import { DataLoader } from '../loader/data-loader.js';
import { JsonlDataset, writeJsonl } from '../sources/jsonl.js';
import { makeChunks, openReviewChunks, writeReviewChunks } from './chunks.js';
import { splitSentences } from './sentences.js';

const dir = mkdtempSync(join(tmpdir(), 'tensorlm-datasets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const review =
  'I loved this film. The acting was superb! Was the plot thin? A little.<br /><br />' +
  'The score, by contrast, soared. "Go see it," my friend said. I will watch it again and again and again.';

describe('splitSentences', () => {
  it('breaks after . ! ? and closing quotes, and at <br /> line breaks', () => {
    expect(splitSentences(review)).toEqual([
      'I loved this film.',
      'The acting was superb!',
      'Was the plot thin?',
      'A little.',
      'The score, by contrast, soared.',
      '"Go see it," my friend said.',
      'I will watch it again and again and again.',
    ]);
  });
});

describe('makeChunks', () => {
  const words = (s: string) => s.split(/\s+/).filter(Boolean).length;

  it('cuts on sentence boundaries within maxSeqLen, overlapping by a sentence where it fits', () => {
    const chunks = makeChunks(review, { maxSeqLen: 12, minSeqLen: 1 });
    const sentences = splitSentences(review);
    for (const chunk of chunks) expect(words(chunk)).toBeLessThanOrEqual(12);
    // Every chunk is a run of whole sentences, and consecutive chunks share one.
    const runs = chunks.map((c) => {
      const start = sentences.findIndex((s) => c.startsWith(s));
      let end = start;
      while (end < sentences.length && sentences.slice(start, end + 1).join(' ') !== c) end++;
      expect(end, c).toBeLessThan(sentences.length);
      return [start, end] as const;
    });
    // Each chunk adds new sentences and shares at most one with the previous chunk.
    for (let k = 1; k < runs.length; k++) {
      expect(runs[k]![1]).toBeGreaterThan(runs[k - 1]![1]);
      expect([runs[k - 1]![1], runs[k - 1]![1] + 1]).toContain(runs[k]![0]);
    }
    expect(runs.filter((r, k) => k > 0 && r[0] === runs[k - 1]![1]).length).toBeGreaterThan(0);
    expect(runs[0]![0]).toBe(0);
    expect(runs.at(-1)![1]).toBe(sentences.length - 1);
  });

  it('drops chunks under minSeqLen, splits an over-long sentence, and measures with an encoder', () => {
    expect(makeChunks('Too short.', { maxSeqLen: 10, minSeqLen: 3 })).toEqual([]);
    const long = `${Array.from({ length: 25 }, (_, i) => `w${i}`).join(' ')}.`;
    const pieces = makeChunks(long, { maxSeqLen: 10, overlap: 0 });
    expect(pieces.map(words)).toEqual([10, 10, 5]);
    const gpt2 = getEncoding('gpt2');
    const chunks = makeChunks(review, { maxSeqLen: 16, minSeqLen: 4, encoder: gpt2 });
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(gpt2.encode(c).length).toBeLessThanOrEqual(16);
      expect(gpt2.encode(c).length).toBeGreaterThanOrEqual(4);
    }
  });

  it('names bad options', () => {
    expect(() => makeChunks(review, { maxSeqLen: 4, minSeqLen: 8 })).toThrow(
      /minSeqLen must not exceed maxSeqLen/,
    );
    expect(() => makeChunks(review, { maxSeqLen: 0 })).toThrow(/makeChunks options: maxSeqLen/);
  });
});

describe('review chunks on disk', () => {
  it('writes JSONL atomically and streams it back; length is counted from the file', async () => {
    const path = join(dir, 'chunks.jsonl');
    const docs = Array.from({ length: 50 }, (_, i) => ({ text: `Doc ${i}. ${review}`, label: i % 2 }));
    const written = await writeReviewChunks(docs, path, { maxSeqLen: 20, minSeqLen: 3 });
    expect(written.documents).toBe(50);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(written.chunks);

    const ds = await openReviewChunks(path);
    expect(ds.length).toBe(written.chunks);
    const streamed = [];
    for await (const record of ds) streamed.push(record);
    expect(streamed).toHaveLength(ds.length);
    expect(await ds.get(7)).toEqual(streamed[7]);
    expect(await ds.get(ds.length - 1)).toEqual(streamed.at(-1));
    expect(streamed[0]).toMatchObject({ doc: 0, chunk: 0, label: 0 });

    // Through a shuffled DataLoader: random access by line offset, every chunk once.
    const loader = new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 1, collate: (items) => items });
    const seen = [];
    for await (const batch of loader) seen.push(...batch);
    expect(seen.map((r) => JSON.stringify(r)).sort()).toEqual(lines.map((l) => l).sort());
    await ds.close();
  });

  it('leaves no file behind when writing fails', async () => {
    const path = join(dir, 'failed.jsonl');
    async function* broken() {
      yield { a: 1 };
      throw new Error('source broke');
    }
    await expect(writeJsonl(path, broken())).rejects.toThrow('source broke');
    expect(readdirSync(dir).filter((f) => f.includes('failed'))).toEqual([]);
  });

  it('skips blank lines, handles CRLF, and names the file and line of a bad record', async () => {
    const path = join(dir, 'mixed.jsonl');
    writeFileSync(
      path,
      '{"text":"a","doc":0,"chunk":0}\r\n\n{"text":"b","doc":0,"chunk":1}\n{"text":3}\n{oops',
    );
    const ds = await JsonlDataset.open(path);
    expect(ds.length).toBe(4);
    expect(await ds.get(1)).toEqual({ text: 'b', doc: 0, chunk: 1 });
    await expect(ds.get(3)).rejects.toThrow(/mixed\.jsonl:5: invalid JSON/);
    const typed = await openReviewChunks(path);
    expect(await typed.get(0)).toEqual({ text: 'a', doc: 0, chunk: 0 });
    await expect(typed.get(2)).rejects.toThrow(/mixed\.jsonl:4: invalid record: text: .*expected string/i);
    await ds.close();
    await typed.close();
    await expect(JsonlDataset.open(join(dir, 'missing.jsonl'))).rejects.toThrow(
      /missing\.jsonl: cannot read/,
    );
  });
});
