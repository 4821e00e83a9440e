// Node file I/O for safetensors: atomic writes (temp file in the same folder, fsync,
// rename) and reads whose errors name the path. node:fs is imported lazily so the rest of
// the package bundles for browsers.
import type { StateDictLike } from '../module/module.js';
import { parseSafetensors, type SafetensorsFile } from '../safetensors/read.js';
import { stateDictToSafetensors } from '../safetensors/state-dict.js';
import type { SerializeOptions } from '../safetensors/write.js';

async function nodeFs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

/**
 * Writes `data` to `path` atomically: readers see the old file or the complete new one,
 * never a torn write, even if the process dies mid-way.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const fs = await nodeFs();
  const temp = `${path}.${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}.tmp`;
  let handle: Awaited<ReturnType<typeof fs.open>> | null = null;
  try {
    handle = await fs.open(temp, 'wx');
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = null;
    await fs.rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await fs.rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

/** Saves a state dict as a safetensors file (atomically). */
export async function saveSafetensors(
  path: string,
  stateDict: StateDictLike,
  options: SerializeOptions = {},
): Promise<void> {
  const bytes = await stateDictToSafetensors(stateDict, { source: path, ...options });
  await writeFileAtomic(path, bytes);
}

/** Reads and validates a safetensors file; errors name `path` and the tensor at fault. */
export async function loadSafetensors(path: string): Promise<SafetensorsFile> {
  const fs = await nodeFs();
  const bytes = await fs.readFile(path);
  return parseSafetensors(bytes, { source: path });
}
