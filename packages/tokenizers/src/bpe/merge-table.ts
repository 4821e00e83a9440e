// Merge ranks keyed by integer token pairs: an open-addressing hash over Int32Arrays, so
// the hot loop never builds a string key or boxes a large number.

export class MergeTable {
  readonly size: number;
  /** Token id that merge `rank` produces. */
  readonly mergedByRank: Int32Array;
  private readonly lefts: Int32Array;
  private readonly rights: Int32Array;
  private readonly ranks: Int32Array;
  private readonly mask: number;

  constructor(merges: ReadonlyArray<readonly [number, number, number]>) {
    let capacity = 16;
    while (capacity < merges.length * 2) capacity *= 2;
    this.mask = capacity - 1;
    this.lefts = new Int32Array(capacity).fill(-1);
    this.rights = new Int32Array(capacity);
    this.ranks = new Int32Array(capacity);
    this.mergedByRank = new Int32Array(merges.length);
    this.size = merges.length;
    merges.forEach(([left, right, merged], rank) => {
      this.mergedByRank[rank] = merged;
      let slot = hash(left, right) & this.mask;
      while (this.lefts[slot] !== -1) {
        // A repeated pair keeps its first (lowest) rank, as Hugging Face and tiktoken.
        if (this.lefts[slot] === left && this.rights[slot] === right) return;
        slot = (slot + 1) & this.mask;
      }
      this.lefts[slot] = left;
      this.rights[slot] = right;
      this.ranks[slot] = rank;
    });
  }

  /** Rank of merging `left` then `right`, or -1 if they never merge. */
  rank(left: number, right: number): number {
    const lefts = this.lefts;
    let slot = hash(left, right) & this.mask;
    for (;;) {
      const l = lefts[slot]!;
      if (l === -1) return -1;
      if (l === left && this.rights[slot] === right) return this.ranks[slot]!;
      slot = (slot + 1) & this.mask;
    }
  }
}

function hash(left: number, right: number): number {
  let h = Math.imul(left, 0x9e3779b1) ^ right;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
}
