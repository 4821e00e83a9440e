// Backend choice for the commands: `--backend auto` (the default) takes the best one
// registered — WebGPU when an adapter exists, else the CPU with a one-line notice — and
// every command prints which one runs.
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-webgpu';
import { type Backend, getBackend, selectBackend } from '@tensorlm/tensor-core';
import { z } from 'zod';

export const backendOption = z.string().min(1).default('auto');

export async function chooseBackend(name: string, log: (line: string) => void): Promise<Backend> {
  // An explicit name (flag or TENSORLM_BACKEND) must start; 'auto' falls back with a notice.
  await selectBackend({ ...(name === 'auto' ? {} : { preferred: name }), notice: log });
  const info = getBackend().describe();
  const dawn = info.dawnBackend ? `, dawn ${String(info.dawnBackend)}` : '';
  log(`backend: ${info.name} (${info.device}${dawn})`);
  return getBackend();
}
