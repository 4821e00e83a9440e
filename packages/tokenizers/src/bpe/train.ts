// Byte-level BPE training (as Hugging Face's ByteLevel BpeTrainer): count GPT-2
// pre-tokens, then repeatedly merge the most frequent adjacent pair (ties: the pair of
// smaller ids) until the vocabulary reaches its target size.
import { z } from 'zod';
import { SpecialSplitter } from '../core/special.js';
import { parseWith } from '../core/validate.js';
import { TokenizerError } from '../errors.js';
import { BYTE_ALPHABET, BYTE_TO_CHAR, utf8Encode } from './byte-unicode.js';
import { preTokenize } from './pretokenize.js';
import { ByteLevelBpeTokenizer } from './tokenizer.js';

const roleSchema = z.enum(['pad', 'unk', 'bos', 'eos', 'cls', 'sep', 'mask']);

const optionsSchema = z.strictObject({
  /** Target size: special tokens + 256 byte tokens + merges. */
  vocabSize: z.number().int().positive(),
  /** Pairs seen fewer times are never merged. Default 2 (as Hugging Face's ByteLevelBPETokenizer). */
  minFrequency: z.number().int().nonnegative().optional(),
  /** Special tokens by role; they take the first ids and are never split or learned from. */
  specialTokens: z.partialRecord(roleSchema, z.string()).optional(),
  additionalSpecialTokens: z.array(z.string()).optional(),
  addPrefixSpace: z.boolean().optional(),
  modelMaxLength: z.number().int().positive().optional(),
});

export type BpeTrainOptions = z.input<typeof optionsSchema>;

/** Pair keys pack two ids below 2^21 into one safe integer. */
const SHIFT = 2 ** 21;

interface Word {
  symbols: number[];
  count: number;
}

export function trainBpe(corpus: string | Iterable<string>, options: BpeTrainOptions): ByteLevelBpeTokenizer {
  const opts = parseWith(optionsSchema, options, 'BPE training options');
  const minFrequency = opts.minFrequency ?? 2;
  const specials = [
    ...new Set([...Object.values(opts.specialTokens ?? {}), ...(opts.additionalSpecialTokens ?? [])]),
  ];
  const base = specials.length + 256;
  if (opts.vocabSize < base) {
    throw new TokenizerError(
      `vocabSize ${opts.vocabSize} is below the ${base} ids of special and byte tokens`,
    );
  }
  if (opts.vocabSize >= SHIFT) throw new TokenizerError(`vocabSize must be below ${SHIFT}`);

  // Ids: special tokens, then the 256 bytes in GPT-2's order, then one per merge.
  const tokens: string[] = [...specials];
  const byteId = new Int32Array(256);
  for (const byte of BYTE_ALPHABET) {
    byteId[byte] = tokens.length;
    tokens.push(BYTE_TO_CHAR[byte]!);
  }

  const words = countWords(corpus, specials, opts.addPrefixSpace ?? false).map(
    ([text, count]): Word => ({ symbols: [...utf8Encode(text)].map((b) => byteId[b]!), count }),
  );

  const pairCounts = new Map<number, number>();
  const where = new Map<number, Set<number>>();
  words.forEach((word, w) => {
    for (let i = 0; i + 1 < word.symbols.length; i++) {
      const key = word.symbols[i]! * SHIFT + word.symbols[i + 1]!;
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + word.count);
      let set = where.get(key);
      if (set === undefined) where.set(key, (set = new Set()));
      set.add(w);
    }
  });

  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: Array<[string, string]> = [];
  while (tokens.length < opts.vocabSize && heap.size > 0) {
    const [count, key] = heap.pop();
    // Every count change pushed a fresh entry: an entry that disagrees is stale.
    if ((pairCounts.get(key) ?? 0) !== count || count === 0) continue;
    if (count < minFrequency) break;
    const left = Math.floor(key / SHIFT);
    const right = key - left * SHIFT;
    const merged = tokens.length;
    tokens.push(tokens[left]! + tokens[right]!);
    merges.push([tokens[left]!, tokens[right]!]);

    const changed = new Set<number>();
    const add = (a: number, b: number, delta: number, w: number) => {
      const k = a * SHIFT + b;
      pairCounts.set(k, (pairCounts.get(k) ?? 0) + delta);
      changed.add(k);
      if (delta > 0) {
        let set = where.get(k);
        if (set === undefined) where.set(k, (set = new Set()));
        set.add(w);
      }
    };
    for (const w of where.get(key) ?? []) {
      const word = words[w]!;
      const s = word.symbols;
      const out: number[] = [];
      for (let i = 0; i < s.length; ) {
        if (i + 1 < s.length && s[i] === left && s[i + 1] === right) {
          const c = word.count;
          if (out.length > 0) {
            add(out[out.length - 1]!, left, -c, w);
            add(out[out.length - 1]!, merged, c, w);
          }
          if (i + 2 < s.length) {
            add(right, s[i + 2]!, -c, w);
            add(merged, s[i + 2]!, c, w);
          }
          add(left, right, -c, w);
          out.push(merged);
          i += 2;
        } else {
          out.push(s[i]!);
          i++;
        }
      }
      word.symbols = out;
    }
    where.delete(key);
    for (const k of changed) {
      const c = pairCounts.get(k)!;
      if (c > 0) heap.push(c, k);
      else pairCounts.delete(k);
    }
  }

  return new ByteLevelBpeTokenizer({
    tokens,
    merges,
    specialTokens: opts.specialTokens ?? {},
    additionalSpecialTokens: opts.additionalSpecialTokens ?? [],
    ...(opts.addPrefixSpace !== undefined ? { addPrefixSpace: opts.addPrefixSpace } : {}),
    ...(opts.modelMaxLength !== undefined ? { modelMaxLength: opts.modelMaxLength } : {}),
  });
}

/** Pre-token counts of the corpus, special tokens cut out; in order of first appearance. */
function countWords(corpus: string | Iterable<string>, specials: readonly string[], addPrefixSpace: boolean) {
  const splitter = new SpecialSplitter(new Map(specials.map((token, id) => [token, id])));
  const counts = new Map<string, number>();
  for (const text of typeof corpus === 'string' ? [corpus] : corpus) {
    if (typeof text !== 'string') throw new TokenizerError('trainBpe: corpus must hold strings');
    for (const segment of splitter.split(text, 'all')) {
      if (segment.id !== undefined || segment.text === '') continue;
      const piece = addPrefixSpace && segment.text.charCodeAt(0) !== 32 ? ` ${segment.text}` : segment.text;
      for (const word of preTokenize(piece)) counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return [...counts];
}

/** Max-heap of (count, pair key): larger count first, then the smaller pair. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  get size(): number {
    return this.counts.length;
  }

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): [number, number] {
    const top: [number, number] = [this.counts[0]!, this.keys[0]!];
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.counts.length && this.before(l, best)) best = l;
        if (r < this.counts.length && this.before(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }

  private before(a: number, b: number): boolean {
    const ca = this.counts[a]!;
    const cb = this.counts[b]!;
    return ca !== cb ? ca > cb : this.keys[a]! < this.keys[b]!;
  }

  private swap(a: number, b: number): void {
    [this.counts[a], this.counts[b]] = [this.counts[b]!, this.counts[a]!];
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
  }
}
