// A model's identity for search indexes (Node): SHA-256 over its config.json and, for each
// weight file, its size and its first and last MiB — the safetensors header (names,
// shapes, offsets) and the first and last tensors' values. Two checkpoints of one run
// share a header but not their values, so they differ; reading 2 MiB per file keeps this
// instant even for a 500 MB model.
import type { ModelIdentity } from './embedder.js';
import { SearchError } from './errors.js';

const WEIGHT_FILE =
  /^(model|pytorch_model)(-\d+-of-\d+)?\.(safetensors|bin)$|^(model|pytorch_model)\.(safetensors|bin)\.index\.json$/;
const SAMPLE = 1 << 20;

export async function modelFingerprint(folder: string): Promise<string> {
  const { open, readdir, readFile } = await import('node:fs/promises');
  const { createHash } = await import('node:crypto');
  const hash = createHash('sha256');
  const names = (await readdir(folder)).filter((n) => n === 'config.json' || WEIGHT_FILE.test(n)).sort();
  if (!names.some((n) => WEIGHT_FILE.test(n)))
    throw new SearchError('SEARCH_INVALID', `${folder} holds no model weights to fingerprint`);
  for (const name of names) {
    const path = `${folder}/${name}`;
    hash.update(`${name}\0`);
    if (name.endsWith('.json')) {
      hash.update(await readFile(path));
      continue;
    }
    const handle = await open(path, 'r');
    try {
      const { size } = await handle.stat();
      hash.update(`${size}\0`);
      const head = Buffer.alloc(Math.min(SAMPLE, size));
      await handle.read(head, 0, head.length, 0);
      hash.update(head);
      if (size > SAMPLE) {
        const tail = Buffer.alloc(Math.min(SAMPLE, size - SAMPLE));
        await handle.read(tail, 0, tail.length, size - tail.length);
        hash.update(tail);
      }
    } finally {
      await handle.close();
    }
  }
  return hash.digest('hex');
}

/** `{ name, fingerprint }` of the model in `folder`, named `name` (how the user gave it). */
export async function modelIdentity(folder: string, name: string): Promise<ModelIdentity> {
  return { name, fingerprint: await modelFingerprint(folder) };
}
