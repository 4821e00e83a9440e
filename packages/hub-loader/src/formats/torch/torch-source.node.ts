// A `WeightSource` over one `pytorch_model.bin` on disk: the zip directory and the pickle
// are read and validated on open (through the restricted unpickler), then one tensor's
// bytes at a time from the file handle. Sharded `pytorch_model.bin.index.json` folders
// use this per shard through ../sharded.ts.
import type { WeightInfo, WeightSource } from '../source.js';
import { TorchCheckpoint } from './checkpoint.js';
import { openFileReader } from './file-reader.node.js';
import { inflateRawNode } from './inflate.node.js';

/** Opens `path` (a torch.save zip archive) as a weight source; hostile files fail here. */
export async function openTorchSource(path: string): Promise<WeightSource> {
  const reader = await openFileReader(path);
  let checkpoint: TorchCheckpoint;
  try {
    checkpoint = await TorchCheckpoint.open(reader, { inflateRaw: inflateRawNode });
  } catch (error) {
    await reader.close();
    throw error;
  }
  const infos = new Map<string, WeightInfo>(
    [...checkpoint.tensors()].map(([name, t]) => [name, { dtype: t.dtype, shape: t.shape, file: path }]),
  );
  return {
    path,
    tensors: () => infos,
    read: (name) => checkpoint.read(name),
    close: () => checkpoint.close(),
  };
}
