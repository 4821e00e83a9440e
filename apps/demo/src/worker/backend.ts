// Picks the worker's backend: WebGPU when the browser gives an adapter (unless the URL
// asks for the CPU), else the CPU backend — and says why it fell back, for the page.
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { getBackend, setBackend } from '@tensorlm/tensor-core';
import type { BackendChoice } from '../state/settings.js';

export interface ChosenBackend {
  backend: 'webgpu' | 'cpu';
  adapter: string | null;
  fallback: string | null;
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function chooseBackend(choice: BackendChoice): Promise<ChosenBackend> {
  let fallback: string | null = null;
  if (choice === 'cpu') fallback = 'the CPU backend was chosen (backend=cpu in the URL)';
  else if (!(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu)
    fallback = 'this browser does not offer WebGPU (navigator.gpu is missing)';
  else {
    try {
      await setBackend('webgpu');
      const info = getBackend().describe();
      return { backend: 'webgpu', adapter: info.device ?? null, fallback: null };
    } catch (error) {
      fallback = `WebGPU gave no usable adapter: ${reasonOf(error)}`;
    }
  }
  await setBackend('cpu');
  return { backend: 'cpu', adapter: null, fallback };
}
