// An Earley recognizer: decides whether a word sequence is a sentence of the grammar
// (any context-free grammar, ambiguous or not). Used to score what a trained model
// generates; it ignores the sampler's depth limit, which only shapes the distribution.
import type { GrammarSpec } from './spec.js';

interface Rule {
  lhs: string;
  rhs: readonly string[];
}

const GOAL = '\u0000goal';

export class EarleyRecognizer {
  private readonly rules: Rule[] = [];
  private readonly byLhs = new Map<string, number[]>();
  /** word → the categories whose list contains it. */
  private readonly categoriesOf = new Map<string, Set<string>>();

  constructor(spec: GrammarSpec) {
    this.addRule(GOAL, [spec.start]);
    for (const [lhs, alternatives] of Object.entries(spec.rules)) {
      for (const rhs of alternatives) this.addRule(lhs, rhs);
    }
    for (const [category, words] of Object.entries(spec.words)) {
      for (const word of words) {
        let set = this.categoriesOf.get(word);
        if (!set) this.categoriesOf.set(word, (set = new Set()));
        set.add(category);
      }
    }
  }

  private addRule(lhs: string, rhs: readonly string[]): void {
    const index = this.rules.push({ lhs, rhs }) - 1;
    const list = this.byLhs.get(lhs) ?? [];
    list.push(index);
    this.byLhs.set(lhs, list);
  }

  /** True when `words` (already split) derive from the start symbol. */
  accepts(words: readonly string[]): boolean {
    const n = words.length;
    if (n === 0) return false;
    for (const w of words) if (!this.categoriesOf.has(w)) return false;
    // An item is (rule, dot, origin); each chart keeps a list to process and a set of keys.
    type Item = [rule: number, dot: number, origin: number];
    const charts: Item[][] = Array.from({ length: n + 1 }, () => []);
    const seen: Set<number>[] = Array.from({ length: n + 1 }, () => new Set());
    const stride = n + 1;
    const maxDot = Math.max(...this.rules.map((r) => r.rhs.length)) + 1;
    const add = (i: number, item: Item) => {
      const key = (item[0] * maxDot + item[1]) * stride + item[2];
      if (seen[i]!.has(key)) return;
      seen[i]!.add(key);
      charts[i]!.push(item);
    };
    add(0, [0, 0, 0]);
    for (let i = 0; i <= n; i++) {
      const chart = charts[i]!;
      for (let k = 0; k < chart.length; k++) {
        const [r, dot, origin] = chart[k]!;
        const rule = this.rules[r]!;
        if (dot === rule.rhs.length) {
          // Complete: advance every item in the origin chart waiting for this lhs.
          for (const [r2, dot2, origin2] of charts[origin]!) {
            if (this.rules[r2]!.rhs[dot2] === rule.lhs) add(i, [r2, dot2 + 1, origin2]);
          }
          continue;
        }
        const next = rule.rhs[dot]!;
        const expansions = this.byLhs.get(next);
        if (expansions && next !== GOAL) {
          // Predict. (No rule is empty, so completions never need the Aycock–Horspool fix.)
          for (const r2 of expansions) add(i, [r2, 0, i]);
        } else if (i < n && this.categoriesOf.get(words[i]!)?.has(next)) {
          // Scan a word of category `next`.
          add(i + 1, [r, dot + 1, origin]);
        }
      }
    }
    return charts[n]!.some(([r, dot, origin]) => r === 0 && dot === 1 && origin === 0);
  }
}
