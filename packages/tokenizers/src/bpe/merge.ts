// Applies BPE merges to one word's symbols, lowest rank first and leftmost among equal
// ranks (tiktoken's and Hugging Face's order). Short words take a plain scan; long ones a
// heap over a linked list, so the cost stays O(n log n) in the word length.
import type { MergeTable } from './merge-table.js';

const NONE = 0x7fffffff;

/** Words longer than this use the heap. */
export const HEAP_THRESHOLD = 48;

let scratchRanks = new Int32Array(256);

/**
 * Merges `symbols[0..n)` in place and returns the new length. `forceHeap` is for tests
 * that check both paths agree.
 */
export function mergeSymbols(symbols: Int32Array, n: number, table: MergeTable, forceHeap = false): number {
  if (n < 2) return n;
  if (n > HEAP_THRESHOLD || forceHeap) return mergeWithHeap(symbols, n, table);
  if (scratchRanks.length < n) scratchRanks = new Int32Array(n * 2);
  const ranks = scratchRanks;
  const merged = table.mergedByRank;
  for (let k = 0; k < n - 1; k++) {
    const r = table.rank(symbols[k]!, symbols[k + 1]!);
    ranks[k] = r < 0 ? NONE : r;
  }
  while (n > 1) {
    let best = NONE;
    let at = -1;
    for (let k = 0; k < n - 1; k++) {
      if (ranks[k]! < best) {
        best = ranks[k]!;
        at = k;
      }
    }
    if (at < 0) break;
    symbols[at] = merged[best]!;
    // Drop symbol at+1 and the rank of the pair it started.
    for (let k = at + 1; k < n - 1; k++) {
      symbols[k] = symbols[k + 1]!;
      ranks[k] = ranks[k + 1]!;
    }
    n--;
    if (at > 0) {
      const r = table.rank(symbols[at - 1]!, symbols[at]!);
      ranks[at - 1] = r < 0 ? NONE : r;
    }
    if (at < n - 1) {
      const r = table.rank(symbols[at]!, symbols[at + 1]!);
      ranks[at] = r < 0 ? NONE : r;
    }
  }
  return n;
}

function mergeWithHeap(symbols: Int32Array, n: number, table: MergeTable): number {
  const prev = new Int32Array(n);
  const next = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    prev[k] = k - 1;
    next[k] = k + 1 < n ? k + 1 : -1;
  }
  // Heap entries pack (rank, position) into one double: rank * 2^31 + position.
  const heap = new MinHeap(n);
  const push = (pos: number) => {
    const right = next[pos]!;
    if (right < 0) return;
    const r = table.rank(symbols[pos]!, symbols[right]!);
    if (r >= 0) heap.push(r * 2147483648 + pos);
  };
  for (let k = 0; k < n - 1; k++) push(k);
  const merged = table.mergedByRank;
  let length = n;
  while (heap.size > 0) {
    const entry = heap.pop();
    const rank = Math.floor(entry / 2147483648);
    const pos = entry - rank * 2147483648;
    const right = next[pos]!;
    // Stale entries (a neighbour merged since) no longer describe the current pair.
    if (prev[pos] === -2 || right < 0 || table.rank(symbols[pos]!, symbols[right]!) !== rank) continue;
    symbols[pos] = merged[rank]!;
    const after = next[right]!;
    next[pos] = after;
    if (after >= 0) prev[after] = pos;
    prev[right] = -2; // removed
    length--;
    if (prev[pos]! >= 0) push(prev[pos]!);
    push(pos);
  }
  let w = 0;
  for (let k = 0; k >= 0; k = next[k]!) symbols[w++] = symbols[k]!;
  return length;
}

class MinHeap {
  private items: Float64Array;
  size = 0;

  constructor(capacity: number) {
    this.items = new Float64Array(Math.max(16, capacity));
  }

  push(value: number): void {
    if (this.size === this.items.length) {
      const grown = new Float64Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    const items = this.items;
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (items[parent]! <= value) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = value;
  }

  pop(): number {
    const items = this.items;
    const top = items[0]!;
    const last = items[--this.size]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= this.size) break;
      if (child + 1 < this.size && items[child + 1]! < items[child]!) child++;
      if (items[child]! >= last) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = last;
    return top;
  }
}
