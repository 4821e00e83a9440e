// The tokenizer of a model folder: tokenizer.json (Hugging Face's or tensorlm's own form),
// vocab.json + merges.txt, or vocab.txt — read by @tensorlm/tokenizers' loadTokenizer,
// which also honours tokenizer_config.json. A run's checkpoint may keep its tokenizer in
// the run folder instead, so the folders are tried in order.
import { joinPath } from '@tensorlm/nn';
import { loadTokenizer, type Tokenizer } from '@tensorlm/tokenizers';

/** The files that make a folder hold a tokenizer, in the order they are preferred. */
export const TOKENIZER_FILES = ['tokenizer.json', 'vocab.json', 'encoder.json', 'vocab.txt'] as const;

async function exists(path: string): Promise<boolean> {
  const fs = await import('node:fs/promises');
  try {
    await fs.access(path);
    return true;
  } catch {
    return false;
  }
}

/** The first of `folders` holding a tokenizer file, loaded; null when none does. */
export async function loadFolderTokenizer(
  folders: readonly string[],
): Promise<{ tokenizer: Tokenizer; folder: string } | null> {
  for (const folder of folders) {
    for (const name of TOKENIZER_FILES) {
      if (await exists(joinPath(folder, name))) return { tokenizer: await loadTokenizer(folder), folder };
    }
  }
  return null;
}
