// `tensorlm generate`: continues a prompt with a causal LM — a run of `tensorlm train`, a
// Hugging Face GPT-2 folder or a Hub repo, whatever `--model` names (see ../model-files.ts)
// — greedy, or sampled with temperature → top-k → top-p, printing tokens as they come (one
// sequence) or each sequence in turn (several). It says how the weights were loaded
// (renamed / ignored tensors) and, for a toy-grammar run, which samples the grammar accepts.

import { Grammar, SEED_GRAMMAR } from '@tensorlm/datasets';
import { generate, generateStream, LSTMCausalLM } from '@tensorlm/decoding';
import { GPT2LMHeadModel, LSTMLanguageModel } from '@tensorlm/nn';
import { TokenizerError } from '@tensorlm/tokenizers';
import { z } from 'zod';
import { switchOption, UsageError } from '../args.js';
import { backendOption, chooseBackend } from '../backend.js';
import { defineCommand } from '../command.js';
import { CommandFailure } from '../errors.js';
import { describeLoad, loadLocated, locateSource, MODEL_OPTION_HELP, modelSource } from '../model-files.js';

const options = z.object({
  model: z.string().min(1).optional(),
  checkpoint: z.string().min(1).optional(),
  prompt: z.string({ error: 'give a prompt: --prompt "the dog"' }),
  'max-new-tokens': z.coerce.number().int().nonnegative().max(100_000).default(30),
  temperature: z.coerce.number().nonnegative().default(1),
  'top-k': z.coerce.number().int().positive().optional(),
  'top-p': z.coerce.number().gt(0).max(1).optional(),
  n: z.coerce.number().int().positive().max(10_000).default(1),
  seed: z.coerce.number().int().nonnegative().default(0),
  greedy: switchOption.default(false),
  'no-cache': switchOption.default(false),
  tokenizer: z.string().optional(),
  backend: backendOption,
});

/**
 * The end token when the tokenizer names none: generation_config.json's, else config.json's
 * (as transformers' generate), when it is an id of the model's vocabulary.
 */
function configEos(
  generationConfig: Record<string, unknown> | null,
  rawConfig: Record<string, unknown>,
  model: { config: { vocabSize: number } },
): number | undefined {
  for (const value of [generationConfig?.eos_token_id, rawConfig.eos_token_id]) {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < model.config.vocabSize)
      return value;
  }
  return undefined;
}

export interface GenerateCommandResult {
  texts: string[];
  /** For toy-grammar runs: how many samples the grammar accepts. */
  accepted: number | null;
}

export const generateCommand = defineCommand({
  name: 'generate',
  summary: 'continue a prompt with a trained model (greedy, temperature, top-k, top-p)',
  help: `tensorlm generate --model DIR|REPO --prompt TEXT [options]

Options:
  --model DIR|REPO      ${MODEL_OPTION_HELP}
  --checkpoint DIR      another name for --model
  --prompt TEXT         the text to continue
  --max-new-tokens N    tokens to add at most (default 30; stops early at the end token)
  --temperature T       sampling temperature (default 1; 0 = greedy)
  --top-k K             sample among the K most likely tokens only
  --top-p P             nucleus sampling: the smallest set with probability ≥ P (default 1 = off)
  --n N                 sequences to draw (default 1)
  --seed S              sampling seed (default 0): the same seed gives the same text
  --greedy              always take the most likely token
  --no-cache            recompute the whole prefix at every step (no KV cache)
  --tokenizer T         override the model's own tokenizer (gpt2, or a tokenizer file or folder)
  --backend B           auto (default), webgpu, wasm or cpu`,
  options,
  switches: ['greedy', 'no-cache'],
  async run(opts, positional, io): Promise<GenerateCommandResult> {
    // `--prompt the dog` without quotes: the prompt is 'the', 'dog' is left over.
    if (positional.length > 0)
      throw new UsageError(
        `unexpected '${positional.join(' ')}' (a prompt of several words needs quotes: --prompt "${[opts.prompt, ...positional].join(' ')}")`,
      );
    const greedy = opts.greedy || opts.temperature === 0;
    if (greedy) {
      // Greedy decoding has one answer: sampling options would be silently ignored.
      const how = opts.greedy ? '--greedy' : '--temperature 0';
      for (const [flag, given] of [
        ['--top-k', opts['top-k'] !== undefined],
        ['--top-p', opts['top-p'] !== undefined],
        [`--n ${opts.n}`, opts.n > 1],
      ] as const)
        if (given)
          throw new UsageError(
            `${flag} does not apply to greedy decoding (${how}), which gives one sequence`,
          );
    }
    const source = modelSource(opts);
    // A mistyped --model fails (and a Hub repo downloads) before a GPU is started.
    const located = await locateSource(source, io);
    await chooseBackend(opts.backend, io);
    const loaded = await loadLocated(source, located, opts.tokenizer);
    const { tokenizer, task } = loaded;
    if (!(loaded.model instanceof GPT2LMHeadModel || loaded.model instanceof LSTMLanguageModel)) {
      loaded.model.dispose();
      throw new CommandFailure(
        'CLI_NOT_A_CAUSAL_LM',
        `'${source}' holds a ${loaded.report.architecture}; generate needs a causal LM (GPT2LMHeadModel or LSTMLanguageModel)`,
      );
    }
    const model = loaded.model;
    // The LSTM LM carries (h, c) through decoding's CausalLM contract (LSTMCausalLM).
    const lm = model instanceof LSTMLanguageModel ? new LSTMCausalLM(model) : model;
    if (!tokenizer) {
      model.dispose();
      throw new CommandFailure(
        'CLI_TOKENIZER_MISSING',
        `'${source}' has no tokenizer (tokenizer.json, vocab.json + merges.txt, vocab.txt in ${loaded.folder}); pass --tokenizer gpt2 (or a tokenizer file or folder)`,
      );
    }
    describeLoad(loaded, io);
    try {
      let prompt: number[];
      try {
        prompt = tokenizer.encode(opts.prompt, { addSpecialTokens: false });
      } catch (error) {
        if (error instanceof TokenizerError)
          throw new UsageError(`cannot encode the prompt: ${error.message}`, { cause: error });
        throw error;
      }
      if (prompt.length === 0) throw new UsageError('the prompt encodes to no tokens');
      const eos = tokenizer.eosTokenId ?? configEos(loaded.generationConfig, loaded.rawConfig, model);
      const decodeOptions = {
        maxNewTokens: opts['max-new-tokens'],
        doSample: !greedy,
        temperature: greedy ? 1 : opts.temperature,
        topK: opts['top-k'] ?? null,
        topP: opts['top-p'] ?? 1,
        numReturnSequences: greedy ? 1 : opts.n,
        seed: opts.seed,
        useCache: !opts['no-cache'],
        eosTokenId: eos ?? null,
      };
      const render = (ids: readonly number[]) =>
        tokenizer.decode(
          ids.filter((id) => id !== eos),
          { skipSpecialTokens: true },
        );

      let sequences: number[][];
      const started = performance.now();
      // On a terminal one sequence is printed as it grows; into a pipe, as lines at the end.
      const streaming = decodeOptions.numReturnSequences === 1 && io.write !== undefined && io.isTTY === true;
      if (streaming && io.write) {
        // One sequence: print it as it grows (decoding the whole text each time keeps
        // multi-byte characters split across BPE tokens intact).
        const ids = [...prompt];
        let printed = render(ids);
        io.write(printed);
        const stream = generateStream(lm, [prompt], decodeOptions);
        for (;;) {
          const next = await stream.next();
          if (next.done) {
            sequences = next.value.sequences;
            break;
          }
          if (next.value.finished[0] && next.value.tokens[0] === decodeOptions.eosTokenId) continue;
          ids.push(next.value.tokens[0]!);
          const text = render(ids);
          io.write(text.slice(printed.length));
          printed = text;
        }
        io.write('\n');
      } else {
        sequences = (await generate(lm, [prompt], decodeOptions)).sequences;
      }
      const seconds = (performance.now() - started) / 1000;
      const texts = sequences.map(render);
      if (!streaming) for (const [i, text] of texts.entries()) io.out(`[${i + 1}] ${text}`);
      const newTokens = sequences.reduce((sum, s) => sum + s.length - prompt.length, 0);
      io.out(
        `${newTokens} new tokens in ${seconds.toFixed(2)} s (${(newTokens / seconds).toFixed(1)} tokens/s)`,
      );

      let accepted: number | null = null;
      if (task?.task === 'grammar') {
        const grammar = new Grammar(SEED_GRAMMAR);
        accepted = sequences.filter((s) => grammar.acceptsIds(s)).length;
        io.out(
          `grammatical: ${accepted} of ${sequences.length} (${((100 * accepted) / sequences.length).toFixed(1)}%)`,
        );
      }
      return { texts, accepted };
    } finally {
      model.dispose();
    }
  },
});
