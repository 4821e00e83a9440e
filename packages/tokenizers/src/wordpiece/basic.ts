// BERT's basic tokenizer: clean control characters, space out CJK ideographs, lower-case
// and strip accents, then split on whitespace and punctuation (as Hugging Face's
// BertNormalizer + BertPreTokenizer and the Python BasicTokenizer).

export interface BertNormalizerOptions {
  /** Drop NUL, U+FFFD and control characters; turn every whitespace into a space. */
  cleanText: boolean;
  /** Put spaces around CJK ideographs so each is its own word. */
  handleChineseChars: boolean;
  /** Decompose (NFD) and drop non-spacing marks: "é" → "e". */
  stripAccents: boolean;
  lowercase: boolean;
}

// NUL, U+FFFD, and "other" characters (Cc, Cf, Co, Cn, Cs) except \t \n \r are removed, as
// Hugging Face's Rust BertNormalizer. (Python's slow BasicTokenizer removes only Cc and Cf;
// tokenizers.js keeps unassigned code points, Cn.)
const REMOVED = /[\0\uFFFD]|(?![\t\n\r])\p{C}/gu;
const WHITESPACE = /[\t\n\r\p{Zs}\u2028\u2029]/gu;
// The CJK Unified Ideograph blocks BERT treats as words of their own.
const CJK =
  /[\u{4E00}-\u{9FFF}\u{3400}-\u{4DBF}\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B820}-\u{2CEAF}\u{F900}-\u{FAFF}\u{2F800}-\u{2FA1F}]/gu;
const NON_SPACING_MARK = /\p{Mn}/gu;
// A word is a run of characters that are neither whitespace nor punctuation; each
// punctuation character (Unicode P*, or ASCII non-alphanumeric symbols) stands alone.
const WORD_OR_PUNCT = /[^\s\p{P}!-/:-@[-`{-~]+|[\p{P}!-/:-@[-`{-~]/gu;

export function bertNormalize(text: string, options: BertNormalizerOptions): string {
  let out = text;
  if (options.cleanText) out = out.replace(REMOVED, '').replace(WHITESPACE, ' ');
  if (options.handleChineseChars) out = out.replace(CJK, ' $& ');
  if (options.lowercase) out = out.toLowerCase();
  if (options.stripAccents) out = out.normalize('NFD').replace(NON_SPACING_MARK, '');
  return out;
}

/** Words and single punctuation characters of normalised text. */
export function bertPreTokenize(text: string): string[] {
  return text.match(WORD_OR_PUNCT) ?? [];
}
