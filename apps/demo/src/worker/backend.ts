// Picks the worker's backend, by the CLI's `--backend auto` rule: WebGPU when its adapter
// is a real GPU (memory of its own); on a software adapter (SwiftShader, llvmpipe: the
// processor itself) or without WebGPU, the WebAssembly SIMD backend (@tensorlm/backend-wasm's
// browser entry; one thread unless the page is cross-origin isolated), which is much
// faster there; else the CPU backend. `?backend=webgpu` insists on WebGPU whatever the
// adapter. The page is told why when WebGPU is not used.
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-wasm';
import '@tensorlm/backend-webgpu';
import { getBackend, setBackend } from '@tensorlm/tensor-core';
import type { BackendChoice } from '../state/settings.js';

export type BackendName = 'webgpu' | 'wasm' | 'cpu';

export interface ChosenBackend {
  backend: BackendName;
  /** The device as the backend describes it (the GPU adapter, or "CPU (WebAssembly SIMD …)"). */
  adapter: string | null;
  /** Why WebGPU is not used, when it was wanted; null when nothing fell back. */
  fallback: string | null;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function start(name: BackendName): Promise<ChosenBackend> {
  await setBackend(name);
  return { backend: name, adapter: getBackend().describe().device ?? null, fallback: null };
}

export async function chooseBackend(choice: BackendChoice): Promise<ChosenBackend> {
  if (choice === 'cpu')
    return { ...(await start('cpu')), fallback: 'the CPU backend was chosen (backend=cpu in the URL)' };
  let fallback: string;
  if (choice === 'wasm') fallback = 'the WebAssembly backend was chosen (backend=wasm in the URL)';
  else if (!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu)
    fallback = 'this browser does not offer WebGPU (navigator.gpu is missing)';
  else {
    try {
      const gpu = await start('webgpu');
      if (choice === 'webgpu' || !getBackend().capabilities.hostMemory) return gpu;
      fallback =
        `WebGPU's adapter (${gpu.adapter}) is software running on this computer's processor, ` +
        'where the WebAssembly backend is faster';
    } catch (error) {
      fallback = `WebGPU gave no usable adapter: ${reasonOf(error)}`;
    }
  }
  try {
    return { ...(await start('wasm')), fallback };
  } catch (error) {
    // Even then the CPU backend beats a software adapter (measured in bench/measure.ts).
    return {
      ...(await start('cpu')),
      fallback: `${fallback}; the WebAssembly backend did not start either: ${reasonOf(error)}`,
    };
  }
}
