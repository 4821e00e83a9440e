// The minimal character vocabulary of Karpathy's notebook: the sorted distinct
// characters of a text (by code point, as Python's sorted(set(text))), stoi and itos.
import { DatasetError } from '../errors.js';

export class CharVocab {
  /** id → character. */
  readonly chars: readonly string[];
  private readonly stoi: Map<string, number>;

  constructor(chars: readonly string[]) {
    const seen = new Set<string>();
    for (const c of chars) {
      if ([...c].length !== 1) throw new DatasetError(`CharVocab: '${c}' is not a single character`);
      if (seen.has(c)) throw new DatasetError(`CharVocab: '${c}' appears twice`);
      seen.add(c);
    }
    this.chars = [...chars];
    this.stoi = new Map(this.chars.map((c, i) => [c, i]));
  }

  /** The sorted distinct characters of `text`. */
  static fromText(text: string): CharVocab {
    if (text.length === 0) throw new DatasetError('CharVocab: the corpus is empty');
    const chars = [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharVocab(chars);
  }

  get size(): number {
    return this.chars.length;
  }

  /** Ids of the characters of `text`; a character outside the vocabulary is an error naming it. */
  encode(text: string): number[] {
    const ids: number[] = [];
    let offset = 0;
    for (const c of text) {
      const id = this.stoi.get(c);
      if (id === undefined) {
        throw new DatasetError(
          `CharVocab: character ${JSON.stringify(c)} (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) at offset ${offset} is not in the vocabulary`,
        );
      }
      ids.push(id);
      offset += c.length;
    }
    return ids;
  }

  decode(ids: ArrayLike<number>): string {
    let out = '';
    for (let i = 0; i < ids.length; i++) {
      const c = this.chars[ids[i]!];
      if (c === undefined)
        throw new DatasetError(`CharVocab: id ${ids[i]} is outside 0…${this.chars.length - 1}`);
      out += c;
    }
    return out;
  }
}
