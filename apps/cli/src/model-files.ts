// Loading what `tensorlm train` saved — the model (best checkpoint of a run, or one
// checkpoint folder), its tokenizer and its task — onto the current backend, with errors
// that name the file and the problem (missing, corrupt, or not matching its config).
import { readFile } from 'node:fs/promises';
import { GPT2LMHeadModel, loadModel } from '@tensorlm/nn';
import { loadTokenizer, type Tokenizer } from '@tensorlm/tokenizers';
import { z } from 'zod';
import { UsageError } from './args.js';
import { findBeside, modelDir, TASK_FILE, TOKENIZER_FILE } from './checkpoint-files.js';
import { resolveTokenizer } from './commands/tokenize.js';

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
  if (taskPath) {
    const parsed = taskSchema.safeParse(JSON.parse(await readFile(taskPath, 'utf8')));
    if (!parsed.success)
      throw new UsageError(`${taskPath} is not a tensorlm task file: ${parsed.error.message}`);
    task = parsed.data;
  }
  let tokenizer: Tokenizer;
  if (tokenizerOverride) tokenizer = await resolveTokenizer(tokenizerOverride);
  else {
    const tokenizerPath = await findBeside(checkpoint, folder, TOKENIZER_FILE);
    if (!tokenizerPath) {
      throw new UsageError(
        `no ${TOKENIZER_FILE} beside the checkpoint '${folder}'; pass --tokenizer gpt2 (or a tokenizer file)`,
      );
    }
    tokenizer = await loadTokenizer(tokenizerPath);
  }
  let model: GPT2LMHeadModel;
  try {
    model = await loadModel(folder, GPT2LMHeadModel);
  } catch (error) {
    throw new UsageError(`cannot load the model in '${folder}': ${(error as Error).message}`);
  }
  if (tokenizer.vocabSize > model.config.vocabSize) {
    model.dispose();
    throw new UsageError(
      `the tokenizer has ${tokenizer.vocabSize} ids but the model in '${folder}' only ${model.config.vocabSize}`,
    );
  }
  return { model, tokenizer, task, folder };
}
