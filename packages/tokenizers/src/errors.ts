// The one error type the tokenizers throw (code 'TOKENIZER_INVALID', on tensor-core's
// `TensorlmError`). It carries where bad input came from (a file name, a line, a JSON key)
// so a malformed vocab points at the offending entry.
import { TensorlmError } from '@tensorlm/tensor-core/errors';

export interface TokenizerErrorLocation {
  /** File or source the input came from, e.g. `merges.txt` or `tokenizer.json`. */
  source?: string;
  /** 1-based line number in `source`. */
  line?: number;
  /** Key path inside a JSON document, e.g. `model.vocab["hello"]`. */
  key?: string;
}

export class TokenizerError extends TensorlmError {
  readonly source: string | undefined;
  readonly line: number | undefined;
  readonly key: string | undefined;

  constructor(message: string, location: TokenizerErrorLocation = {}, options: { cause?: unknown } = {}) {
    super('TOKENIZER_INVALID', `${formatLocation(location)}${message}`, options);
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
