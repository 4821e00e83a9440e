// Loading what `tensorlm train` saved — the model (best checkpoint of a run, or one
// checkpoint folder), its tokenizer and its task — onto the current backend, with errors
// that name the file and the problem (missing, corrupt, or not matching its config).
import { GPT2LMHeadModel, loadModel } from '@tensorlm/nn';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { z } from 'zod';
import { findBeside, modelDir, TASK_FILE, TOKENIZER_FILE } from './checkpoint-files.js';
import { loadTokenizerFile, resolveTokenizer } from './commands/tokenize.js';
import { CommandFailure } from './errors.js';
import { readJsonFile } from './json-file.js';

/** What a run was trained on, so `generate` can encode prompts and judge samples. */
export const taskSchema = z.object({
  task: z.enum(['grammar', 'text']),
  /** The tokenizer as named at training time (gpt2, char, …); its JSON sits beside. */
  tokenizer: z.string(),
  /** For `text`: the corpus file it was trained on. */
  file: z.string().optional(),
});
export type TaskInfo = z.infer<typeof taskSchema>;

export interface LoadedRun {
  model: GPT2LMHeadModel;
  tokenizer: Tokenizer;
  task: TaskInfo | null;
  /** The checkpoint folder the weights came from. */
  folder: string;
}

export async function loadRun(checkpoint: string, tokenizerOverride?: string): Promise<LoadedRun> {
  const folder = await modelDir(checkpoint);
  const taskPath = await findBeside(checkpoint, folder, TASK_FILE);
  let task: TaskInfo | null = null;
  if (taskPath) task = await readJsonFile(taskPath, taskSchema, 'task file');
  let tokenizer: Tokenizer;
  if (tokenizerOverride) tokenizer = await resolveTokenizer(tokenizerOverride);
  else {
    const tokenizerPath = await findBeside(checkpoint, folder, TOKENIZER_FILE);
    if (!tokenizerPath) {
      throw new CommandFailure(
        'CLI_TOKENIZER_MISSING',
        `no ${TOKENIZER_FILE} beside the checkpoint '${folder}'; pass --tokenizer gpt2 (or a tokenizer file)`,
      );
    }
    tokenizer = await loadTokenizerFile(tokenizerPath);
  }
  let model: GPT2LMHeadModel;
  try {
    model = await loadModel(folder, GPT2LMHeadModel);
  } catch (error) {
    throw new CommandFailure(
      'CLI_MODEL_UNREADABLE',
      `cannot load the model in '${folder}': ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  if (tokenizer.vocabSize > model.config.vocabSize) {
    model.dispose();
    throw new CommandFailure(
      'CLI_TOKENIZER_MISMATCH',
      `the tokenizer has ${tokenizer.vocabSize} ids but the model in '${folder}' only ${model.config.vocabSize}`,
    );
  }
  return { model, tokenizer, task, folder };
}
