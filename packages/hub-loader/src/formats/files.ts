// A model folder's weights from Blobs — files dropped onto a web page, a Hub snapshot in
// Cache Storage — with the formats, preference order, shard rules and hostile-file checks
// of the Node path: safetensors streamed tensor by tensor through `blob.slice()`, and
// pytorch_model.bin through the same restricted unpickler over a Blob-backed random-access
// reader. No `node:` import: this is what the browser entry reaches.
import { openSafetensorsBlob } from '@tensorlm/nn';
import { ModelFolderError } from '../errors.js';
import { pickWeightFile, weightFileNames } from './layout.js';
import { combineShards, parseShardIndex } from './shard-index.js';
import type { WeightInfo, WeightSource } from './source.js';
import { TorchCheckpoint } from './torch/checkpoint.js';
import { inflateRawWeb } from './torch/inflate.js';
import type { RandomAccessReader } from './torch/random-access.js';

/** One model folder's files as Blobs, by plain name (`model.safetensors`). */
export interface BlobFolder {
  /** The folder, for messages ('dropped files', a repo and commit). */
  readonly label: string;
  /** How a file is named in messages. */
  where(name: string): string;
  has(name: string): boolean | Promise<boolean>;
  blob(name: string): Promise<Blob>;
}

/** A random-access reader over a Blob: each read is one `blob.slice().arrayBuffer()`. */
export function blobReader(blob: Blob, name: string): RandomAccessReader {
  return {
    name,
    size: blob.size,
    fresh: true,
    read: async (offset, length) => {
      if (offset < 0 || length < 0 || offset + length > blob.size) {
        throw new RangeError(
          `${name}: read of ${length} bytes at ${offset} is outside its ${blob.size} bytes`,
        );
      }
      const bytes = new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
      if (bytes.byteLength !== length)
        throw new RangeError(`${name}: the file ended at ${offset + bytes.byteLength} (did it change?)`);
      return bytes;
    },
    close: async () => {},
  };
}

/** A safetensors Blob as a weight source; hostile headers fail here, naming `path`. */
export async function openSafetensorsBlobSource(blob: Blob, path: string): Promise<WeightSource> {
  const reader = await openSafetensorsBlob(blob, path);
  const infos = new Map<string, WeightInfo>(
    reader.tensors.map((t) => [t.name, { dtype: t.dtype, shape: t.shape, file: path }]),
  );
  return { path, tensors: () => infos, read: (name) => reader.read(name), close: () => reader.close() };
}

/** A pytorch_model.bin Blob (a torch.save zip) as a weight source, through the restricted unpickler. */
export async function openTorchBlobSource(blob: Blob, path: string): Promise<WeightSource> {
  const checkpoint = await TorchCheckpoint.open(blobReader(blob, path), { inflateRaw: inflateRawWeb });
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

const BLOB_OPENERS = { safetensors: openSafetensorsBlobSource, pytorch: openTorchBlobSource } as const;

/** Opens the folder's weights (the most preferred format present) as one source. */
export async function openBlobWeights(folder: BlobFolder): Promise<WeightSource> {
  const found = await pickWeightFile((name) => folder.has(name));
  if (!found) {
    throw new ModelFolderError(
      'MODEL_WEIGHTS_MISSING',
      `no weights in ${folder.label}: looked for ${weightFileNames().join(', ')}`,
      { path: folder.label },
    );
  }
  const open = BLOB_OPENERS[found.format.name];
  const path = folder.where(found.name);
  if (!found.sharded) return open(await folder.blob(found.name), path);
  const index = parseShardIndex(await (await folder.blob(found.name)).text(), path);
  return combineShards(path, index, {
    dir: folder.label,
    has: async (name) => folder.has(name),
    open: async (name) => open(await folder.blob(name), folder.where(name)),
  });
}
