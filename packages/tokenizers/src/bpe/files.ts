// Reading GPT-2's file pair, vocab.json (encoder.json) + merges.txt (vocab.bpe), from
// strings or parsed objects, with errors that name the file and the line or key.
import type { SpecialTokens } from '../core/types.js';
import { parseJsonText } from '../core/validate.js';
import { tokensFromVocab } from '../core/vocab.js';
import { TokenizerError } from '../errors.js';
import { ByteLevelBpeTokenizer, splitMergeLine } from './tokenizer.js';

export interface BpeFileOptions {
  specialTokens?: SpecialTokens;
  additionalSpecialTokens?: readonly string[];
  modelMaxLength?: number;
  addPrefixSpace?: boolean;
  /** Names for error messages. Default `vocab.json` and `merges.txt`. */
  vocabName?: string;
  mergesName?: string;
}

/** The vocab.json object (token → id), validated. */
export function parseBpeVocab(
  vocab: string | Readonly<Record<string, unknown>>,
  source = 'vocab.json',
): Record<string, number> {
  const json = typeof vocab === 'string' ? parseJsonText(vocab, source) : vocab;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new TokenizerError('invalid vocabulary: expected an object of token → id', { source });
  }
  // A plain loop rather than a zod record: GPT-2's 50,257 entries would cost tens of ms.
  for (const [token, id] of Object.entries(json)) {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) {
      throw new TokenizerError(
        `invalid vocabulary: the id must be a non-negative integer, got ${JSON.stringify(id)}`,
        {
          source,
          key: JSON.stringify(token),
        },
      );
    }
  }
  return json as Record<string, number>;
}

/** Merge pairs of merges.txt, skipping the `#version` header and blank lines. */
export function parseBpeMerges(
  text: string,
  source = 'merges.txt',
  lineNumbers?: number[],
): Array<[string, string]> {
  const merges: Array<[string, string]> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === '' || (i === 0 && line.startsWith('#version'))) continue;
    merges.push(splitMergeLine(line, { source, line: i + 1 }));
    lineNumbers?.push(i + 1);
  }
  return merges;
}

/**
 * A byte-level BPE tokenizer from vocab.json + merges.txt contents (strings as read from
 * disk or fetched, or the parsed vocab object). Works in browsers: no file access here.
 */
export function bpeFromFiles(
  vocab: string | Readonly<Record<string, unknown>>,
  merges: string,
  options: BpeFileOptions = {},
): ByteLevelBpeTokenizer {
  const vocabName = options.vocabName ?? 'vocab.json';
  const mergesName = options.mergesName ?? 'merges.txt';
  if (typeof merges !== 'string')
    throw new TokenizerError('merges must be the text of the file', { source: mergesName });
  const vocabObject = parseBpeVocab(vocab, vocabName);
  const tokens = tokensFromVocab(vocabObject, vocabName);
  const lineNumbers: number[] = [];
  const mergeLines = parseBpeMerges(merges, mergesName, lineNumbers);
  return new ByteLevelBpeTokenizer({
    tokens,
    merges: mergeLines,
    ...(options.specialTokens !== undefined ? { specialTokens: options.specialTokens } : {}),
    ...(options.additionalSpecialTokens !== undefined
      ? { additionalSpecialTokens: options.additionalSpecialTokens }
      : {}),
    ...(options.modelMaxLength !== undefined ? { modelMaxLength: options.modelMaxLength } : {}),
    ...(options.addPrefixSpace !== undefined ? { addPrefixSpace: options.addPrefixSpace } : {}),
    sources: { vocab: vocabName, merges: mergesName, mergeLineNumbers: lineNumbers },
  });
}
