// A validated grammar with its vocabulary ([Pad] = 0, [End] = 1, then the words in
// list order), breadth-first sampling as in the seeds, and the Earley recognizer.
import { DatasetError } from '../errors.js';
import type { Rng } from '../random/rng.js';
import { EarleyRecognizer } from './parser.js';
import { SEED_GRAMMAR } from './seed-grammar.js';
import { type GrammarSpec, parseGrammarSpec } from './spec.js';

/** Levels of expansion after which sampling gives up (a guard for grammars that recurse without end). */
const MAX_LEVELS = 1000;

interface FormSymbol {
  value: string;
  /** True once `value` is a word. */
  word: boolean;
}

export class Grammar {
  readonly spec: GrammarSpec;
  /** id → token: [Pad], [End], then every distinct word in word-list order. */
  readonly vocab: readonly string[];
  readonly padId = 0;
  readonly endId = 1;
  private readonly ids = new Map<string, number>();
  private readonly recognizer: EarleyRecognizer;

  /** Validates `spec` (see grammarSpecSchema); throws a DatasetError naming what does not resolve. */
  constructor(spec: unknown) {
    this.spec = parseGrammarSpec(spec);
    const vocab = [this.spec.specials.pad, this.spec.specials.end];
    for (const words of Object.values(this.spec.words)) {
      for (const word of words) if (!vocab.includes(word)) vocab.push(word);
    }
    this.vocab = vocab;
    vocab.forEach((token, id) => {
      this.ids.set(token, id);
    });
    this.recognizer = new EarleyRecognizer(this.spec);
  }

  /** The seeds' toy grammar (39 ids). */
  static seed(): Grammar {
    return new Grammar(SEED_GRAMMAR);
  }

  get vocabSize(): number {
    return this.vocab.length;
  }

  /**
   * One sentence, expanded breadth first as the seeds do: every symbol of a level is
   * rewritten by a uniformly chosen alternative (words uniformly from their list), and
   * from level `maxDepth` on a phrase with several alternatives never takes its last
   * (the recursive one in the seed grammar), so sentences stay short.
   */
  sample(rng: Rng, maxDepth = 3): string[] {
    let form: FormSymbol[] = [{ value: this.spec.start, word: false }];
    for (let depth = 0; depth < MAX_LEVELS; depth++) {
      if (form.every((s) => s.word)) return form.map((s) => s.value);
      const next: FormSymbol[] = [];
      for (const sym of form) {
        if (sym.word) {
          next.push(sym);
          continue;
        }
        const alternatives = this.spec.rules[sym.value];
        if (alternatives) {
          const allowed =
            depth >= maxDepth && alternatives.length > 1 ? alternatives.slice(0, -1) : alternatives;
          for (const value of rng.choice(allowed)) next.push({ value, word: false });
        } else {
          next.push({ value: rng.choice(this.spec.words[sym.value]!), word: true });
        }
      }
      form = next;
    }
    throw new DatasetError(
      `grammar: a sentence was still unfinished after ${MAX_LEVELS} levels; ` +
        'the alternatives left at maxDepth still recurse',
    );
  }

  /** Word ids, followed by [End] unless `end` is false. Unknown words are an error naming them. */
  encode(words: readonly string[] | string, end = true): number[] {
    const list = typeof words === 'string' ? splitWords(words) : words;
    const ids = list.map((word) => {
      const id = this.ids.get(word);
      if (id === undefined) throw new DatasetError(`grammar: '${word}' is not in the vocabulary`);
      return id;
    });
    if (end) ids.push(this.endId);
    return ids;
  }

  /** Tokens of `ids` (an unknown id is an error naming it). */
  decode(ids: ArrayLike<number>): string[] {
    return Array.from(ids, (id) => {
      const token = this.vocab[id];
      if (token === undefined)
        throw new DatasetError(`grammar: id ${id} is outside the vocabulary (0…${this.vocab.length - 1})`);
      return token;
    });
  }

  /** True when `words` (a list or a space-separated string) is a sentence of the grammar. */
  accepts(words: readonly string[] | string): boolean {
    return this.recognizer.accepts(typeof words === 'string' ? splitWords(words) : words);
  }

  /**
   * Scores generated ids: the tokens before the first [End] must form a sentence, and
   * anything after it must be [End] or padding. Unknown ids make it false.
   */
  acceptsIds(ids: ArrayLike<number>): boolean {
    const list = Array.from(ids);
    const cut = list.indexOf(this.endId);
    const body = cut === -1 ? list : list.slice(0, cut);
    const tail = cut === -1 ? [] : list.slice(cut);
    if (tail.some((id) => id !== this.endId && id !== this.padId)) return false;
    if (body.some((id) => id < 2 || id >= this.vocab.length || !Number.isInteger(id))) return false;
    return this.recognizer.accepts(body.map((id) => this.vocab[id]!));
  }
}

function splitWords(text: string): string[] {
  return text.split(/\s+/).filter((w) => w.length > 0);
}
