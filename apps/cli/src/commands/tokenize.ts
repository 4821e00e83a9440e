// `tensorlm tokenize`: shows how a tokenizer splits a text — ids and tokens, and with
// --explain every merge step (as the seeds' encode_and_show_work) — for the packaged
// GPT-2 and bert-base-uncased vocabularies or any tokenizer file or folder.
import { bertBaseUncased, gpt2, loadTokenizer, type Tokenizer } from '@tensorlm/tokenizers';
import { z } from 'zod';
import { switchOption, UsageError } from '../args.js';
import { defineCommand } from '../command.js';

const options = z.object({
  tokenizer: z.string().min(1).default('gpt2'),
  text: z.string().optional(),
  explain: switchOption.optional(),
});

export async function resolveTokenizer(name: string): Promise<Tokenizer> {
  if (name === 'gpt2') return gpt2();
  if (name === 'bert-base-uncased') return bertBaseUncased();
  return loadTokenizer(name);
}

export const tokenizeCommand = defineCommand({
  name: 'tokenize',
  summary: 'show the ids, tokens and merge steps a tokenizer gives a text',
  help: `tensorlm tokenize [--tokenizer gpt2|bert-base-uncased|PATH] [--explain] "text"

Options:
  --tokenizer T   gpt2 (default), bert-base-uncased, or a tokenizer file / folder
                  (tensorlm JSON, HF tokenizer.json, vocab.json + merges.txt, vocab.txt)
  --text S        the text (or give it as the last argument)
  --explain       print every merge step of every word`,
  options,
  switches: ['explain'],
  async run(opts, positional, io) {
    const text = opts.text ?? positional.join(' ');
    if (text.length === 0)
      throw new UsageError('tokenize: give a text, e.g. tensorlm tokenize "Hello world"');
    const tokenizer = await resolveTokenizer(opts.tokenizer);
    const explanation = tokenizer.explain(text);
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
