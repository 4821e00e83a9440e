// Cache of pre-token → ids keyed by a range of the input text: an open-addressing table
// hashed on the UTF-16 units, so a hit allocates nothing (no substring, no array).

const EMPTY = -1;

export class PieceCache {
  private capacity: number;
  private mask: number;
  private hashes: Int32Array;
  private keys: Array<string | undefined>;
  /** Start of the slot's ids in `pool`, and how many. */
  private starts: Int32Array;
  private counts: Int32Array;
  private pool: Int32Array;
  private poolUsed = 0;
  private used = 0;

  constructor(
    private readonly maxEntries: number,
    initialCapacity = 4096,
  ) {
    this.capacity = initialCapacity;
    this.mask = initialCapacity - 1;
    this.hashes = new Int32Array(initialCapacity).fill(EMPTY);
    this.keys = new Array(initialCapacity);
    this.starts = new Int32Array(initialCapacity);
    this.counts = new Int32Array(initialCapacity);
    this.pool = new Int32Array(initialCapacity * 2);
  }

  get size(): number {
    return this.used;
  }

  /** Hash of text[i, j); never EMPTY. */
  static hash(text: string, i: number, j: number): number {
    let h = 0x811c9dc5 ^ (j - i);
    for (let k = i; k < j; k++) h = Math.imul(h ^ text.charCodeAt(k), 0x01000193);
    return h === EMPTY ? 0 : h;
  }

  /** Appends the cached ids of text[i, j) to `out` and returns true, or returns false on a miss. */
  emit(text: string, i: number, j: number, hash: number, out: number[]): boolean {
    const length = j - i;
    let slot = hash & this.mask;
    for (;;) {
      const h = this.hashes[slot]!;
      if (h === EMPTY) return false;
      if (h === hash) {
        const key = this.keys[slot]!;
        if (key.length === length && sameRange(key, text, i, length)) {
          const start = this.starts[slot]!;
          const end = start + this.counts[slot]!;
          for (let k = start; k < end; k++) out.push(this.pool[k]!);
          return true;
        }
      }
      slot = (slot + 1) & this.mask;
    }
  }

  set(key: string, hash: number, ids: Int32Array, count: number): void {
    if (this.used >= this.maxEntries) this.clear();
    if ((this.used + 1) * 2 > this.capacity) this.grow();
    if (this.poolUsed + count > this.pool.length) {
      const pool = new Int32Array(Math.max(this.pool.length * 2, this.poolUsed + count));
      pool.set(this.pool.subarray(0, this.poolUsed));
      this.pool = pool;
    }
    this.pool.set(ids.subarray(0, count), this.poolUsed);
    this.insert(key, hash, this.poolUsed, count);
    this.poolUsed += count;
    this.used++;
  }

  clear(): void {
    this.hashes.fill(EMPTY);
    this.keys.fill(undefined);
    this.used = 0;
    this.poolUsed = 0;
  }

  private insert(key: string, hash: number, start: number, count: number): void {
    let slot = hash & this.mask;
    while (this.hashes[slot] !== EMPTY) slot = (slot + 1) & this.mask;
    this.hashes[slot] = hash;
    this.keys[slot] = key;
    this.starts[slot] = start;
    this.counts[slot] = count;
  }

  private grow(): void {
    const { hashes, keys, starts, counts } = this;
    this.capacity *= 2;
    this.mask = this.capacity - 1;
    this.hashes = new Int32Array(this.capacity).fill(EMPTY);
    this.keys = new Array(this.capacity);
    this.starts = new Int32Array(this.capacity);
    this.counts = new Int32Array(this.capacity);
    for (let slot = 0; slot < hashes.length; slot++) {
      if (hashes[slot] !== EMPTY) this.insert(keys[slot]!, hashes[slot]!, starts[slot]!, counts[slot]!);
    }
  }
}

function sameRange(key: string, text: string, start: number, length: number): boolean {
  for (let k = 0; k < length; k++) if (key.charCodeAt(k) !== text.charCodeAt(start + k)) return false;
  return true;
}
