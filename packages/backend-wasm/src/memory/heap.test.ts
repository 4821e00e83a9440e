// The wasm memory limit binds all storages together: the backend declares it as its
// total (maxTotalBytes, which the CLI's memory check holds a training to), and a small
// tensor is refused, naming its size, once the memory already holds nearly 4 GiB.
import { describe, expect, it } from 'vitest';
import { createWasmBackend } from '../index.js';
import { MAX_WASM_BYTES, WasmHeap, WasmMemoryError } from './heap.js';

describe('the 4 GiB wasm32 memory', () => {
  it('is declared as the total limit, not only a per-tensor one', () => {
    expect(MAX_WASM_BYTES).toBe(2 ** 32);
    const { capabilities } = createWasmBackend();
    expect(capabilities.maxTotalBytes).toBe(2 ** 32);
    expect(capabilities.maxStorageBytes).toBe(2 ** 32);
  });

  it('refuses a 2,000-byte tensor when the memory already holds all but 1,000 bytes of it', () => {
    // A heap whose bump pointer starts 1,000 bytes below the limit stands in for one that
    // already holds ~4 GiB of live tensors (nothing that large is allocated here).
    const heap = new WasmHeap(new WebAssembly.Memory({ initial: 1 }), MAX_WASM_BYTES - 1000);
    let error: unknown;
    try {
      heap.alloc(2000, 'a tensor of 500 f32 elements');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(WasmMemoryError);
    expect((error as WasmMemoryError).code).toBe('WASM_OUT_OF_MEMORY');
    expect((error as Error).message).toBe(
      'a tensor of 500 f32 elements needs 2000 bytes (2.0 KiB) but the WebAssembly memory (wasm32) is ' +
        'limited to 4 GiB and already holds 4.00 GiB; use a smaller batch or model, or another backend',
    );
  });
});
