// Vocabulary tables: turning a token → id record (vocab.json, tokenizer.json) into the
// dense id → token array the tokenizers index, rejecting ids that collide.
import { TokenizerError } from '../errors.js';

/** Dense id → token table from a token → id record, rejecting two tokens on one id. */
export function tokensFromVocab(
  vocab: Readonly<Record<string, number>>,
  source: string,
  keyPrefix = '',
): Array<string | undefined> {
  const tokens: Array<string | undefined> = [];
  const keyOf = (token: string) =>
    keyPrefix === '' ? JSON.stringify(token) : `${keyPrefix}[${JSON.stringify(token)}]`;
  for (const [token, id] of Object.entries(vocab)) {
    if (!Number.isInteger(id) || id < 0) {
      throw new TokenizerError(`id must be a non-negative integer, got ${JSON.stringify(id)}`, {
        source,
        key: keyOf(token),
      });
    }
    if (tokens[id] !== undefined) {
      throw new TokenizerError(`id ${id} is given to both "${tokens[id]}" and "${token}"`, {
        source,
        key: keyOf(token),
      });
    }
    tokens[id] = token;
  }
  // Fill holes explicitly so the array is not sparse.
  for (let id = 0; id < tokens.length; id++) if (!(id in tokens)) tokens[id] = undefined;
  return tokens;
}
