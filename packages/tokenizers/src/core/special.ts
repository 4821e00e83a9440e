// Finds special tokens written in the input text (e.g. `<|endoftext|>`, `[MASK]`) so they
// map to their ids instead of being split; the text between them is encoded normally.
import { TokenizerError } from '../errors.js';
import type { AllowedSpecial } from './types.js';

export interface Segment {
  text: string;
  /** Set when the segment is a special token. */
  id?: number;
}

export class SpecialSplitter {
  private readonly ids: ReadonlyMap<string, number>;
  private readonly regexCache = new Map<string, RegExp>();
  private readonly all: readonly string[];

  constructor(specials: ReadonlyMap<string, number>) {
    this.ids = specials;
    // Longest first, so `<|endoftext|>` wins over a shorter token that is its prefix.
    this.all = [...specials.keys()].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
  }

  get tokens(): readonly string[] {
    return this.all;
  }

  /** Splits `text` into ordinary and special segments; `allowed` limits which specials count. */
  split(text: string, allowed: AllowedSpecial): Segment[] {
    if (allowed === 'none' || this.all.length === 0) return [{ text }];
    const candidates = allowed === 'all' ? this.all : this.allowedList(allowed);
    // Most texts hold no special token: one indexOf per token beats a regex scan.
    const present = candidates.filter((token) => text.includes(token));
    if (present.length === 0) return [{ text }];
    const regex = this.regexFor(present);
    const segments: Segment[] = [];
    let last = 0;
    regex.lastIndex = 0;
    for (let match = regex.exec(text); match !== null; match = regex.exec(text)) {
      if (match.index > last) segments.push({ text: text.slice(last, match.index) });
      segments.push({ text: match[0], id: this.ids.get(match[0])! });
      last = match.index + match[0].length;
    }
    if (last < text.length) segments.push({ text: text.slice(last) });
    return segments;
  }

  private allowedList(allowed: readonly string[]): string[] {
    for (const token of allowed) {
      if (!this.ids.has(token)) {
        throw new TokenizerError(`allowedSpecial: "${token}" is not a special token of this tokenizer`);
      }
    }
    return this.all.filter((token) => allowed.includes(token));
  }

  private regexFor(tokens: readonly string[]): RegExp {
    const key = tokens.join('\u0000');
    let regex = this.regexCache.get(key);
    if (regex === undefined) {
      regex = new RegExp(tokens.map(escapeRegExp).join('|'), 'gu');
      this.regexCache.set(key, regex);
    }
    return regex;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
