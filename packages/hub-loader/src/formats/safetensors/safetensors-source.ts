// A `WeightSource` over one safetensors file: nn's streaming reader (header validated
// against the file size on open, then one tensor's bytes at a time from a file handle).
import { openSafetensors } from '@tensorlm/nn';
import type { WeightInfo, WeightSource } from '../source.js';

/** Opens `path` (a `.safetensors` file) as a weight source; hostile headers fail here. */
export async function openSafetensorsSource(path: string): Promise<WeightSource> {
  const reader = await openSafetensors(path);
  const infos = new Map<string, WeightInfo>(
    reader.tensors.map((t) => [t.name, { dtype: t.dtype, shape: t.shape, file: path }]),
  );
  return {
    path,
    tensors: () => infos,
    read: (name) => reader.read(name),
    close: () => reader.close(),
  };
}
