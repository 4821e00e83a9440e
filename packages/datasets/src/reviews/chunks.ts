// The seed's make_chunks: long documents become overlapping chunks cut on sentence
// boundaries, each at most maxSeqLen long (in tokens with an encoder, else words) and
// at least minSeqLen; chunks go to a JSONL file and stream back from disk.
import { z } from 'zod';
import { DatasetError, parseWith } from '../errors.js';
import { JsonlDataset, type PathLike, writeJsonl } from '../sources/jsonl.js';
import type { TokenEncoder } from '../text/encoder.js';
import { splitSentences } from './sentences.js';

const chunkSchema = z
  .object({
    maxSeqLen: z.number().int().positive(),
    minSeqLen: z.number().int().nonnegative().default(1),
    /** Sentences shared by consecutive chunks (default 1). */
    overlap: z.number().int().nonnegative().default(1),
  })
  .refine((o) => o.minSeqLen <= o.maxSeqLen, { message: 'minSeqLen must not exceed maxSeqLen' });

export type ChunkOptions = z.input<typeof chunkSchema> & {
  /** Measures length in this tokenizer's tokens; without it, in whitespace-separated words. */
  encoder?: TokenEncoder;
};

function wordCount(text: string): number {
  let n = 0;
  for (const w of text.split(/\s+/)) if (w.length > 0) n++;
  return n;
}

/** Splits a sentence longer than `max` into word runs that fit (a fallback; sentences rarely are). */
function splitLong(sentence: string, max: number, measure: (s: string) => number): string[] {
  const pieces: string[] = [];
  let current: string[] = [];
  for (const word of sentence.split(/\s+/).filter((w) => w.length > 0)) {
    const candidate = [...current, word].join(' ');
    if (current.length > 0 && measure(candidate) > max) {
      pieces.push(current.join(' '));
      current = [word];
    } else {
      current.push(word);
    }
  }
  if (current.length > 0) pieces.push(current.join(' '));
  return pieces;
}

/**
 * Greedy chunking: from each start sentence, take sentences while the chunk stays within
 * maxSeqLen; keep the chunk if it reaches minSeqLen; the next chunk starts up to
 * `overlap` sentences before this one ended (fewer when the overlap and the next sentence
 * would not fit together), and chunking stops once a chunk reaches the last sentence.
 */
export function makeChunks(text: string, options: ChunkOptions): string[] {
  const { encoder, ...rest } = options;
  const o = parseWith(chunkSchema, rest, 'makeChunks options');
  const measure = encoder ? (s: string) => encoder.encode(s).length : wordCount;
  const units: string[] = [];
  for (const sentence of splitSentences(text)) {
    if (measure(sentence) <= o.maxSeqLen) units.push(sentence);
    else units.push(...splitLong(sentence, o.maxSeqLen, measure));
  }
  const lengths = units.map(measure);
  const chunks: string[] = [];
  for (let start = 0; start < units.length; ) {
    let end = start;
    let total = 0;
    while (end < units.length && total + lengths[end]! <= o.maxSeqLen) total += lengths[end++]!;
    if (end === start) {
      // A single word longer than maxSeqLen tokens: it cannot be cut on a boundary, so skip it.
      start++;
      continue;
    }
    let chunk = units.slice(start, end).join(' ');
    // Subword tokens of joined text can differ from the sum of the parts: check the whole.
    if (encoder) {
      while (end - start > 1 && measure(chunk) > o.maxSeqLen) chunk = units.slice(start, --end).join(' ');
      total = measure(chunk);
    }
    if (total >= o.minSeqLen) chunks.push(chunk);
    if (end >= units.length) break;
    // Overlap, but only as much as still leaves room for the next new sentence: a chunk
    // of only shared sentences would repeat part of this one.
    let next = Math.max(start + 1, end - o.overlap);
    let shared = 0;
    for (let k = next; k <= end; k++) shared += lengths[k]!;
    while (next < end && shared > o.maxSeqLen) shared -= lengths[next++]!;
    start = next;
  }
  return chunks;
}

export interface ReviewDocument {
  text: string;
  label?: number;
}

export interface ReviewChunk {
  text: string;
  label?: number;
  /** Index of the source document. */
  doc: number;
  /** Index of the chunk within its document. */
  chunk: number;
}

const reviewChunkSchema = z.object({
  text: z.string(),
  label: z.number().optional(),
  doc: z.number().int().nonnegative(),
  chunk: z.number().int().nonnegative(),
});

/**
 * Chunks every document and writes one `ReviewChunk` per line to `path` (atomically),
 * streaming: neither the documents nor the chunks are held in memory.
 */
export async function writeReviewChunks(
  documents: Iterable<ReviewDocument> | AsyncIterable<ReviewDocument>,
  path: PathLike,
  options: ChunkOptions,
): Promise<{ documents: number; chunks: number }> {
  makeChunks('', options); // validates the options before any file is created
  let docs = 0;
  async function* records(): AsyncGenerator<ReviewChunk> {
    for await (const document of documents) {
      if (typeof document?.text !== 'string') {
        throw new DatasetError(`writeReviewChunks: document ${docs} has no text`);
      }
      const pieces = makeChunks(document.text, options);
      for (let k = 0; k < pieces.length; k++) {
        yield document.label === undefined
          ? { text: pieces[k]!, doc: docs, chunk: k }
          : { text: pieces[k]!, label: document.label, doc: docs, chunk: k };
      }
      docs++;
    }
  }
  const chunks = await writeJsonl(path, records());
  return { documents: docs, chunks };
}

/** Opens a chunk file written by writeReviewChunks: `length` counted from the file, records streamed. */
export function openReviewChunks(path: PathLike): Promise<JsonlDataset<ReviewChunk>> {
  return JsonlDataset.open(path, { schema: reviewChunkSchema as z.ZodType<ReviewChunk> });
}
