// Where the CLI finds things in a checkpoint: `--checkpoint` may name a run folder
// (written by `tensorlm train`: checkpoint-N/ folders, latest.json and best.json
// pointers, the tokenizer and the task beside them) or one checkpoint folder
// (config.json + model.safetensors). Errors say what is missing and where we looked.
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { CHECKPOINT_NAME } from '@tensorlm/trainer';
import { z } from 'zod';
import { CommandFailure } from './errors.js';
import { readJsonFile } from './json-file.js';

/** Written by `tensorlm train` into the run folder: what the model was trained on. */
export const TASK_FILE = 'tensorlm-task.json';
export const TOKENIZER_FILE = 'tokenizer.json';

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** The folder holding config.json + model.safetensors for `--checkpoint path`. */
export async function modelDir(path: string, which: 'best' | 'latest' = 'best'): Promise<string> {
  if (!(await exists(path)))
    throw new CommandFailure('CLI_CHECKPOINT_MISSING', `checkpoint '${path}' does not exist`);
  if (await exists(join(path, 'config.json'))) return path;
  for (const pointer of which === 'best' ? ['best.json', 'latest.json'] : ['latest.json']) {
    const file = join(path, pointer);
    if (!(await exists(file))) continue;
    const { checkpoint } = await readJsonFile(
      file,
      z.object({ checkpoint: z.string().min(1) }),
      'run pointer',
    );
    // A pointer names a checkpoint-<step> folder of its own run, never `../elsewhere` or an absolute path.
    if (!CHECKPOINT_NAME.test(checkpoint))
      throw new CommandFailure(
        'CLI_BAD_POINTER',
        `${file} names '${checkpoint}', which is not a checkpoint-<step> folder of ${path}; refusing to load weights from outside the run`,
      );
    if (await exists(join(path, checkpoint, 'config.json'))) return join(path, checkpoint);
    throw new CommandFailure(
      'CLI_CHECKPOINT_MISSING',
      `${file} points to '${checkpoint}', which has no config.json`,
    );
  }
  throw new CommandFailure(
    'CLI_NOT_A_CHECKPOINT',
    `'${path}' is not a checkpoint: it has no config.json and no best.json / latest.json of a run folder`,
  );
}

/** A file saved beside the model: in the checkpoint folder itself or in its run folder. */
export async function findBeside(
  checkpointPath: string,
  modelFolder: string,
  name: string,
): Promise<string | null> {
  for (const dir of [modelFolder, checkpointPath, dirname(modelFolder)]) {
    const file = join(dir, name);
    if (await exists(file)) return file;
  }
  return null;
}
