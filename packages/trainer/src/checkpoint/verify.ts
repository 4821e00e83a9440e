// Whether a checkpoint folder is intact, read cheaply: every file it needs exists, each
// safetensors file's header parses and its size is exactly what the header promises, and
// each JSON file parses. No tensor is read, so choosing a checkpoint to resume from does
// not load the weights twice. A truncated file (a disk that filled up, a copy cut short)
// fails the size check; bit rot inside the data is left to the load itself.
import { joinPath, MAX_HEADER_BYTES } from '@tensorlm/nn';

async function fs(): Promise<typeof import('node:fs/promises')> {
  return import('node:fs/promises');
}

/** Null when `path` is a complete safetensors file, else what is wrong with it. */
export async function safetensorsProblem(path: string): Promise<string | null> {
  const f = await fs();
  let handle: Awaited<ReturnType<typeof f.open>>;
  try {
    handle = await f.open(path, 'r');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (error as Error).message;
  }
  try {
    const { size } = await handle.stat();
    if (size < 8) return `${size} bytes, shorter than the 8-byte header length (truncated)`;
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    const headerLength = head.readBigUInt64LE(0);
    if (headerLength > BigInt(MAX_HEADER_BYTES) || Number(headerLength) > size - 8)
      return `its header length ${headerLength} does not fit its ${size} bytes (truncated or not safetensors)`;
    const n = Number(headerLength);
    const text = Buffer.alloc(n);
    await handle.read(text, 0, n, 8);
    let header: unknown;
    try {
      header = JSON.parse(text.toString('utf8'));
    } catch {
      return 'its header is not valid JSON';
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header))
      return 'its header is not a JSON object';
    let end = 0;
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const offsets = (entry as { data_offsets?: unknown } | null)?.data_offsets;
      if (!Array.isArray(offsets) || typeof offsets[1] !== 'number')
        return `its header entry '${name}' has no data_offsets`;
      end = Math.max(end, offsets[1]);
    }
    const expected = 8 + n + end;
    if (size !== expected)
      return `${size.toLocaleString('en-US')} bytes where its header needs ${expected.toLocaleString('en-US')} (${size < expected ? 'truncated' : 'trailing bytes'})`;
    return null;
  } finally {
    await handle.close();
  }
}

/** Null when `path` holds a JSON object, else what is wrong with it. */
export async function jsonProblem(path: string): Promise<string | null> {
  let text: string;
  try {
    text = await (await fs()).readFile(path, 'utf8');
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : (error as Error).message;
  }
  try {
    const json = JSON.parse(text) as unknown;
    return typeof json === 'object' && json !== null && !Array.isArray(json) ? null : 'not a JSON object';
  } catch (error) {
    return `not valid JSON (${(error as Error).message})`;
  }
}

export interface CheckpointFiles {
  /** Files whose format is safetensors. */
  safetensors: readonly string[];
  /** Files that must hold a JSON object. */
  json: readonly string[];
  /** Files checked only when present. */
  optional?: readonly string[];
}

/**
 * Null when the checkpoint folder `path` is intact, else the first problem found as
 * `<file>: <problem>` (e.g. `model.safetensors: 1,024 bytes where its header needs 9,232 (truncated)`).
 */
export async function checkpointProblem(path: string, files: CheckpointFiles): Promise<string | null> {
  const optional = new Set(files.optional ?? []);
  for (const name of files.safetensors) {
    const problem = await safetensorsProblem(joinPath(path, name));
    if (problem && !(problem === 'missing' && optional.has(name)))
      return `${name} ${problem === 'missing' ? 'is missing' : `is damaged: ${problem}`}`;
  }
  for (const name of files.json) {
    const problem = await jsonProblem(joinPath(path, name));
    if (problem && !(problem === 'missing' && optional.has(name)))
      return `${name} ${problem === 'missing' ? 'is missing' : `is damaged: ${problem}`}`;
  }
  return null;
}
