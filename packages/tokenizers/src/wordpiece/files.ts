// Reading BERT's vocab.txt (one token per line, the line number minus one is the id)
// with errors that name the file and line.
import { TokenizerError } from '../errors.js';
import { assertHasToken, type WordPieceInit, WordPieceTokenizer } from './tokenizer.js';

export type VocabTxtOptions = Omit<WordPieceInit, 'tokens'> & {
  /** Name for error messages. Default `vocab.txt`. */
  source?: string;
};

export function parseVocabTxt(text: string, source = 'vocab.txt'): string[] {
  if (typeof text !== 'string') throw new TokenizerError('expected the text of the file', { source });
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const seen = new Map<string, number>();
  return lines.map((raw, i) => {
    const token = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (token === '') throw new TokenizerError('empty token (blank line)', { source, line: i + 1 });
    const first = seen.get(token);
    if (first !== undefined) {
      throw new TokenizerError(`token "${token}" repeats line ${first + 1}`, { source, line: i + 1 });
    }
    seen.set(token, i);
    return token;
  });
}

/** A WordPiece tokenizer from vocab.txt contents (bert-base-uncased defaults). */
export function wordPieceFromVocabTxt(text: string, options: VocabTxtOptions = {}): WordPieceTokenizer {
  const { source = 'vocab.txt', ...init } = options;
  const tokens = parseVocabTxt(text, source);
  assertHasToken(tokens, init.unkToken ?? init.specialTokens?.unk ?? '[UNK]', source);
  return new WordPieceTokenizer({ ...init, tokens });
}
