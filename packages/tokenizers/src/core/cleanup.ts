// Hugging Face's `clean_up_tokenization`: undo the spaces a word-joining decoder puts
// before punctuation and English contractions. Same replacements, same order.

const REPLACEMENTS: ReadonlyArray<readonly [string, string]> = [
  [' .', '.'],
  [' ?', '?'],
  [' !', '!'],
  [' ,', ','],
  [" ' ", "'"],
  [" n't", "n't"],
  [" 'm", "'m"],
  [" 's", "'s"],
  [" 've", "'ve"],
  [" 're", "'re"],
];

export function cleanUpTokenizationSpaces(text: string): string {
  let out = text;
  for (const [from, to] of REPLACEMENTS) out = out.replaceAll(from, to);
  return out;
}
