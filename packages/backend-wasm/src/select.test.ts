// `selectBackend()` ('auto') with the wasm backend registered: a backend with its own
// device memory wins by itself; without one (a GPU backend on a software adapter reports
// hostMemory, as WebGPU on llvmpipe does) wasm ranks first among the host backends, and
// the choice is explained in one line. Stand-ins for the GPU backends are wasm backends
// with another name and capabilities, so nothing here needs a GPU.
import '@tensorlm/backend-cpu';
import {
  type Backend,
  registerBackend,
  removeBackend,
  selectBackend,
  setBackend,
} from '@tensorlm/tensor-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createWasmBackend } from './index.js';

function standIn(name: string, device: string, hostMemory: boolean): Backend {
  const backend = createWasmBackend();
  return Object.defineProperties(backend, {
    name: { value: name },
    capabilities: { value: { ...backend.capabilities, hostMemory } },
    describe: { value: () => ({ name, device, memoryBytes: 0 }) },
  });
}

afterEach(async () => {
  removeBackend('stand-in-gpu');
  removeBackend('stand-in-llvmpipe');
  await setBackend('cpu');
});

describe("selectBackend('auto') with wasm registered", () => {
  it('prefers wasm to a GPU backend on a software adapter and to cpu, and says why', async () => {
    registerBackend({
      name: 'stand-in-llvmpipe',
      priority: 2,
      create: () => standIn('stand-in-llvmpipe', 'llvmpipe (LLVM 15.0.7, 256 bits)', true),
    });
    const why: string[] = [];
    const chosen = await selectBackend({ preferred: 'auto', explain: (line) => why.push(line) });
    expect(chosen.name).toBe('wasm');
    expect(why).toHaveLength(1);
    expect(why[0]).toMatch(
      /^no backend with its own device memory started; stand-in-llvmpipe \(llvmpipe \(LLVM 15\.0\.7, 256 bits\)\) and cpu \(.*\) also compute on this CPU's memory, and wasm ranks first of those$/,
    );
  });

  it('takes a backend with its own device memory over every host backend', async () => {
    registerBackend({
      name: 'stand-in-gpu',
      priority: 2,
      create: () => standIn('stand-in-gpu', 'NVIDIA H200', false),
    });
    const why: string[] = [];
    const chosen = await selectBackend({ preferred: 'auto', explain: (line) => why.push(line) });
    expect(chosen.name).toBe('stand-in-gpu');
    expect(why).toEqual(['stand-in-gpu has its own device memory (NVIDIA H200)']);
    // A forced choice is honoured whatever the ranking.
    expect((await selectBackend({ preferred: 'cpu' })).name).toBe('cpu');
  });
});
