// `tensorlm tokenize`: shows how a tokenizer splits a text — ids and tokens, and with
// --explain every merge step (as the seeds' encode_and_show_work) — for the packaged
// GPT-2 and bert-base-uncased vocabularies or any tokenizer file or folder.
import { stat } from 'node:fs/promises';
import { bertBaseUncased, gpt2, loadTokenizer, type Tokenizer, TokenizerError } from '@tensorlm/tokenizers';
import { z } from 'zod';
import { switchOption, UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { CommandFailure } from '../errors.js';

const options = z.object({
  tokenizer: z.string().min(1).default('gpt2'),
  text: z.string().optional(),
  explain: switchOption.optional(),
});

const PACKAGED_TOKENIZERS = ['gpt2', 'bert-base-uncased'] as const;

/** A tokenizer file or folder; a malformed one is a CommandFailure naming the file. */
export async function loadTokenizerFile(path: string): Promise<Tokenizer> {
  try {
    return await loadTokenizer(path);
  } catch (error) {
    if (error instanceof TokenizerError)
      throw new CommandFailure('CLI_TOKENIZER_UNREADABLE', `cannot load the tokenizer ${error.message}`, {
        cause: error,
      });
    throw error;
  }
}

/** A packaged tokenizer by name (gpt2, bert-base-uncased), or a tokenizer file / folder. */
export async function resolveTokenizer(name: string): Promise<Tokenizer> {
  if (name === 'gpt2') return gpt2();
  if (name === 'bert-base-uncased') return bertBaseUncased();
  if (!(await stat(name).catch(() => null)))
    throw new CommandFailure(
      'CLI_TOKENIZER_MISSING',
      `tokenizer '${name}' is neither a packaged one (${PACKAGED_TOKENIZERS.join(', ')}) nor a file or folder`,
    );
  return loadTokenizerFile(name);
}

export const tokenizeCommand = defineCommand({
  name: 'tokenize',
  summary: 'show the ids, tokens and merge steps a tokenizer gives a text',
  help: `tensorlm tokenize [--tokenizer gpt2|bert-base-uncased|PATH] [--explain] "text"

Options:
  --tokenizer T   gpt2 (default), bert-base-uncased, or a tokenizer file / folder
                  (tensorlm JSON, HF tokenizer.json, vocab.json + merges.txt, vocab.txt)
  --text S        the text (or give it as the last argument; after -- it may start with '-')
  --explain       print every merge step of every word`,
  options,
  switches: ['explain'],
  async run(opts, positional, io) {
    const text = opts.text ?? positional.join(' ');
    if (text.length === 0) throw new UsageError('give a text, e.g. tensorlm tokenize "Hello world"');
    const tokenizer = await resolveTokenizer(opts.tokenizer);
    let explanation: ReturnType<Tokenizer['explain']>;
    try {
      explanation = tokenizer.explain(text);
    } catch (error) {
      // A word-level vocabulary without an unknown token cannot encode every text.
      if (error instanceof TokenizerError) throw new UsageError(`cannot encode the text: ${error.message}`);
      throw error;
    }
    io.out(`tokenizer: ${opts.tokenizer} (${tokenizer.vocabSize} ids)`);
    if (explanation.normalized !== text) io.out(`normalized: ${JSON.stringify(explanation.normalized)}`);
    io.out(`ids: [${explanation.ids.join(', ')}]`);
    io.out(`tokens: ${explanation.tokens.map((t) => JSON.stringify(t)).join(' ')}`);
    io.out(`${explanation.ids.length} tokens for ${[...text].length} characters`);
    if (opts.explain) {
      for (const part of explanation.parts) {
        io.out('');
        io.out(`${JSON.stringify(part.text)}${part.special ? ' (special token)' : ''}`);
        io.out(`  start:  ${part.initial.join(' ')}`);
        for (const step of part.steps) {
          const rank = step.rank === undefined ? '' : ` (rank ${step.rank})`;
          io.out(`  merge ${step.merged.join(' + ')}${rank} → ${step.symbols.join(' ')}`);
        }
        io.out(`  tokens: ${part.tokens.join(' ')} = [${part.ids.join(', ')}]`);
      }
    }
    return explanation;
  },
});
