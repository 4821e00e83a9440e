// Which model a set of dropped or picked files is. The page hands over every file with its
// path inside what was dropped; this decides: a Hugging Face folder (config.json at the
// top), a tensorlm run folder saved by the CLI (best.json, else latest.json, naming one of
// its own `checkpoint-N` folders — the rule `tensorlm generate --model <run>` follows), or
// neither, which is an error listing what was found. The result is name → Blob, what
// hub-loader's browser `fromPretrained` takes. Runs in the worker (no DOM).
import { z } from 'zod';
import { DemoError } from './errors.js';

/** A file and its path inside what the user dropped or picked (`run/checkpoint-20/config.json`). */
export interface PickedFile {
  path: string;
  file: Blob;
}

export interface ModelFolder {
  /** Plain file name → Blob, the files of the one model folder. */
  files: Map<string, Blob>;
  kind: 'huggingface' | 'run';
  /** How to name the model in messages (`run/checkpoint-20`). */
  label: string;
}

const CHECKPOINT_NAME = /^checkpoint-(0|[1-9]\d*)$/;
const pointerSchema = z.looseObject({ checkpoint: z.string(), step: z.number() });

function splitPath(path: string): string[] {
  return path.split(/[/\\]/).filter((part) => part !== '' && part !== '.');
}

/** The paths with the dropped folder's own name taken off (when every file shares it). */
function relativeToDrop(files: readonly PickedFile[]): { root: string; entries: [string[], Blob][] } {
  const split = files.map((f) => [splitPath(f.path), f.file] as [string[], Blob]);
  const first = split[0]?.[0][0];
  const shared =
    first !== undefined && split.every(([parts]) => parts.length > 1 && parts[0] === first) ? first : '';
  return { root: shared, entries: split.map(([parts, blob]) => [shared ? parts.slice(1) : parts, blob]) };
}

function childrenOf(entries: readonly [string[], Blob][], folder: string[]): Map<string, Blob> {
  const out = new Map<string, Blob>();
  for (const [parts, blob] of entries) {
    if (parts.length !== folder.length + 1) continue;
    if (folder.every((name, i) => parts[i] === name)) out.set(parts.at(-1)!, blob);
  }
  return out;
}

function listed(names: Iterable<string>): string {
  const all = [...names];
  if (all.length === 0) return 'no files';
  return `${all.slice(0, 6).join(', ')}${all.length > 6 ? `, … (${all.length} in all)` : ''}`;
}

async function readPointer(blob: Blob, name: string, where: string): Promise<string> {
  let json: unknown;
  try {
    json = JSON.parse(await blob.text());
  } catch {
    throw new DemoError(
      'DEMO_NOT_A_MODEL_FOLDER',
      `${where}/${name} is not JSON, so the run names no checkpoint`,
    );
  }
  const parsed = pointerSchema.safeParse(json);
  if (!parsed.success || !CHECKPOINT_NAME.test(parsed.data.checkpoint))
    throw new DemoError(
      'DEMO_NOT_A_MODEL_FOLDER',
      `${where}/${name} must name a checkpoint-<step> folder of its own run, as { "checkpoint": "checkpoint-20", "step": 20 }`,
    );
  return parsed.data.checkpoint;
}

/** The model folder among `files` (see the file header); a DemoError says why there is none. */
export async function resolveModelFolder(files: readonly PickedFile[]): Promise<ModelFolder> {
  if (files.length === 0)
    throw new DemoError('DEMO_NOT_A_MODEL_FOLDER', 'no files were given: drop a model folder or its files');
  const { root, entries } = relativeToDrop(files);
  const where = root || 'the dropped files';
  const top = childrenOf(entries, []);
  if (top.has('config.json')) return { files: top, kind: 'huggingface', label: root || 'dropped files' };
  for (const pointer of ['best.json', 'latest.json']) {
    const blob = top.get(pointer);
    if (!blob) continue;
    const checkpoint = await readPointer(blob, pointer, where);
    const inside = childrenOf(entries, [checkpoint]);
    if (!inside.has('config.json'))
      throw new DemoError(
        'DEMO_NOT_A_MODEL_FOLDER',
        `${where} is a tensorlm run whose ${pointer} names ${checkpoint}, but the files hold no ${checkpoint}/config.json: drop the whole run folder`,
      );
    return { files: inside, kind: 'run', label: `${root || 'run'}/${checkpoint}` };
  }
  throw new DemoError(
    'DEMO_NOT_A_MODEL_FOLDER',
    `${where} is not a model folder: it has no config.json (a Hugging Face folder) and no best.json / latest.json ` +
      `(a tensorlm run folder); found ${listed(top.size > 0 ? top.keys() : entries.map(([p]) => p.join('/')))}`,
  );
}
