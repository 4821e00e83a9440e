// Backend choice for the commands: `--backend auto` (the default) takes the best one
// registered — WebGPU on a real GPU; on a machine without one (WebGPU would run on a
// software adapter such as llvmpipe) the fastest CPU backend — and every command prints
// which one runs and, for 'auto', why. `--backend webgpu|wasm|cpu` forces one. Dawn's native start-up chatter is kept out of the
// terminal (see native-stderr.ts) unless --verbose, or unless the backend fails to start,
// when it may say why.
import '@tensorlm/backend-cpu';
import '@tensorlm/backend-wasm';
import '@tensorlm/backend-webgpu';
import { type Backend, getBackend, selectBackend } from '@tensorlm/tensor-core';
import { z } from 'zod';
import type { CommandIO } from './command.js';
import { otherThanDawn, withNativeStderrCaptured } from './native-stderr.js';

export const backendOption = z.string().min(1).default('auto');

export async function chooseBackend(name: string, io: CommandIO): Promise<Backend> {
  const log = (line: string) => io.out(line);
  const err = io.err ?? ((line: string) => console.error(line));
  // An explicit name (flag or TENSORLM_BACKEND) must start; 'auto' falls back with a notice.
  let why = '';
  const start = () =>
    selectBackend({
      ...(name === 'auto' ? {} : { preferred: name }),
      notice: log,
      explain: (line) => {
        why = line;
      },
    });
  // Only a GPU backend loads Dawn; the CPU backends have nothing to say.
  if (io.verbose || name === 'cpu' || name === 'wasm') await start();
  else {
    let failed = true;
    await withNativeStderrCaptured(
      async () => {
        await start();
        failed = false;
      },
      (captured) => {
        const shown = failed ? captured.split('\n').filter((l) => l.trim() !== '') : otherThanDawn(captured);
        for (const line of shown) err(line);
      },
    );
  }
  const info = getBackend().describe();
  const dawn = info.dawnBackend ? `, dawn ${String(info.dawnBackend)}` : '';
  log(`backend: ${info.name} (${info.device}${dawn})${why ? ` — auto: ${why}` : ''}`);
  return getBackend();
}
