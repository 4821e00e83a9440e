// The backend's one WebAssembly.Memory and its allocator. Storages are (offset,
// capacity) blocks carved from a bump pointer; a released block goes to a free list
// for its size class (powers of two and 1.5× powers of two, at least 64 bytes, so a
// block is never more than a third larger than asked) and is reused by the next
// request of that class. Wasm memory cannot shrink, so freed bytes stay pooled.
// Offsets are 64-byte aligned (v128 loads and cache lines). The memory grows on demand
// up to wasm32's 4 GiB; a request past that is a WasmMemoryError naming its size.
import { TensorlmError } from '@tensorlm/tensor-core';

const PAGE = 65536;
/** wasm32's address space: 65,536 pages of 64 KiB. */
export const MAX_WASM_BYTES = 65536 * PAGE;
const MIN_BLOCK = 64;

/** Allocation failures of the wasm backend (a tensor too large for its memory). */
export class WasmMemoryError extends TensorlmError {
  constructor(message: string) {
    super('WASM_OUT_OF_MEMORY', message);
    this.name = 'WasmMemoryError';
  }
}

/** The capacity a request of `bytes` is rounded up to. */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_BLOCK) return MIN_BLOCK;
  const power = 2 ** Math.ceil(Math.log2(bytes));
  return bytes <= power * 0.75 ? power * 0.75 : power;
}

/** "6.00 GiB", "12.5 MiB", "2.0 KiB": binary units, as the 4 GiB limit is. */
function binarySize(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  #top: number;
  readonly #free = new Map<number, number[]>();
  #pooled = 0;
  #buffer: ArrayBuffer | SharedArrayBuffer | null = null;
  #f32 = new Float32Array(0);
  #i32 = new Int32Array(0);
  #u8 = new Uint8Array(0);

  /** `reserved` bytes at address 0 stay unused (a null pointer never aliases a storage). */
  constructor(memory: WebAssembly.Memory, reserved = MIN_BLOCK) {
    this.memory = memory;
    this.#top = reserved;
  }

  /** Bytes of memory the module holds (live, pooled and never used). */
  get size(): number {
    return this.memory.buffer.byteLength;
  }

  get bytesPooled(): number {
    return this.#pooled;
  }

  /** A block of at least `bytes` bytes; returns its offset and capacity. */
  alloc(bytes: number, what: string): { offset: number; capacity: number } {
    const capacity = sizeClass(bytes);
    const list = this.#free.get(capacity);
    const reused = list?.pop();
    if (reused !== undefined) {
      this.#pooled -= capacity;
      return { offset: reused, capacity };
    }
    const offset = this.#top;
    const end = offset + capacity;
    if (end > MAX_WASM_BYTES) {
      // Out of address space: the smallest pooled block of a larger class beats failing
      // (a GPT-2 training step fills 4 GiB with blocks of classes it no longer asks for).
      let larger = 0;
      for (const [c, free] of this.#free)
        if (c > capacity && free.length > 0 && (!larger || c < larger)) larger = c;
      if (larger) {
        this.#pooled -= larger;
        return { offset: this.#free.get(larger)!.pop()!, capacity: larger };
      }
      throw new WasmMemoryError(
        `${what} needs ${bytes} bytes (${binarySize(bytes)}) but the WebAssembly memory (wasm32) is limited to 4 GiB ` +
          `and already holds ${binarySize(offset)}; use a smaller batch or model, or another backend`,
      );
    }
    if (end > this.size) this.#grow(end, bytes, what);
    this.#top = end;
    return { offset, capacity };
  }

  free(offset: number, capacity: number): void {
    let list = this.#free.get(capacity);
    if (!list) {
      list = [];
      this.#free.set(capacity, list);
    }
    list.push(offset);
    this.#pooled += capacity;
  }

  #grow(end: number, bytes: number, what: string): void {
    // Grow by at least half again, so a growing training run does not grow per tensor.
    const wanted = Math.min(MAX_WASM_BYTES, Math.max(end, Math.floor(this.size * 1.5)));
    const pages = Math.ceil((wanted - this.size) / PAGE);
    const minimum = Math.ceil((end - this.size) / PAGE);
    try {
      this.memory.grow(pages);
    } catch {
      try {
        this.memory.grow(minimum);
      } catch (error) {
        throw new WasmMemoryError(
          `${what} needs ${bytes} bytes (${binarySize(bytes)}) but the engine refused to grow the WebAssembly ` +
            `memory past ${binarySize(this.size)} (${error instanceof Error ? error.message : String(error)})`,
        );
      }
    }
  }

  #refresh(): void {
    const buffer = this.memory.buffer;
    if (buffer !== this.#buffer) {
      this.#buffer = buffer;
      this.#f32 = new Float32Array(buffer);
      this.#i32 = new Int32Array(buffer);
      this.#u8 = new Uint8Array(buffer);
    }
  }

  // Views over the whole memory; re-fetch after any allocation (growth replaces the buffer).
  get f32(): Float32Array {
    this.#refresh();
    return this.#f32;
  }
  get i32(): Int32Array {
    this.#refresh();
    return this.#i32;
  }
  get u8(): Uint8Array {
    this.#refresh();
    return this.#u8;
  }
}
