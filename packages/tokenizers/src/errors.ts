// The one error type the tokenizers throw. It carries where bad input came from (a
// file name, a line, a JSON key) so a malformed vocab points at the offending entry.

export interface TokenizerErrorLocation {
  /** File or source the input came from, e.g. `merges.txt` or `tokenizer.json`. */
  source?: string;
  /** 1-based line number in `source`. */
  line?: number;
  /** Key path inside a JSON document, e.g. `model.vocab["hello"]`. */
  key?: string;
}

export class TokenizerError extends Error {
  readonly source: string | undefined;
  readonly line: number | undefined;
  readonly key: string | undefined;

  constructor(message: string, location: TokenizerErrorLocation = {}) {
    super(`${formatLocation(location)}${message}`);
    this.name = 'TokenizerError';
    this.source = location.source;
    this.line = location.line;
    this.key = location.key;
  }
}

function formatLocation({ source, line, key }: TokenizerErrorLocation): string {
  const parts: string[] = [];
  if (source !== undefined) parts.push(line !== undefined ? `${source}:${line}` : source);
  else if (line !== undefined) parts.push(`line ${line}`);
  if (key !== undefined) parts.push(`key ${key}`);
  return parts.length > 0 ? `${parts.join(', ')}: ` : '';
}
