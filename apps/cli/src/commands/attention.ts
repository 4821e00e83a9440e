// `tensorlm attention`: what every head of a model attends to for one text, as the
// bertviz notebook views do it — a self-contained HTML page (the head view of one layer
// and the layer × head model view; @tensorlm/tasks' headViewHtml), and with --json the
// maps themselves on stdout for scripts. Any model --model names that returns attention
// weights: GPT-2 or BERT, a Hugging Face folder, a run of `tensorlm train`, a Hub repo.
//
// The page is written atomically. An existing --out is replaced only when it is a page
// this command wrote (its generator mark); any other file is left alone unless --force.
import { open, stat } from 'node:fs/promises';
import { writeFileAtomic } from '@tensorlm/nn';
import { type AttentionMaps, attentionMaps, HEAD_VIEW_GENERATOR, headViewHtml } from '@tensorlm/tasks';
import { TokenizerError } from '@tensorlm/tokenizers';
import { z } from 'zod';
import { switchOption, UsageError } from '../args.js';
import { defineCommand } from '../command.js';
import { CommandFailure } from '../errors.js';
import {
  describeLoad,
  jsonIO,
  loadModelForTask,
  MODEL_OPTION_HELP,
  modelSource,
  modelTaskOptions,
  taskFailure,
} from '../model-files.js';

/** Where the page goes when neither --out nor --json is given. */
export const DEFAULT_ATTENTION_FILE = 'attention.html';

const options = z.object({
  ...modelTaskOptions,
  layer: z.coerce
    .number({ error: 'give a layer number, e.g. --layer 0' })
    .int('give a whole layer number, e.g. --layer 0')
    .nonnegative('layers count from 0: give --layer 0 or more')
    .default(0),
  out: z.string().min(1).optional(),
  force: switchOption.default(false),
});

/** What `--json` prints (one line): the maps, with weights rounded to 6 decimals. */
export interface AttentionJson extends AttentionMaps {
  model: string;
  /** The layer of the head view. */
  layer: number;
  /** The HTML page written, or null (--json without --out). */
  html: string | null;
}

/** Whether `path` holds a page this command wrote: its generator mark near the top. */
async function writtenByUs(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(1024);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return head.subarray(0, bytesRead).toString('utf8').includes(`content="${HEAD_VIEW_GENERATOR}"`);
  } finally {
    await handle.close();
  }
}

/** Refuses an --out that would replace something the user made (unless --force). */
async function checkOut(path: string, force: boolean): Promise<void> {
  const info = await stat(path).catch(() => null);
  if (!info) return;
  if (!info.isFile())
    throw new CommandFailure(
      'CLI_OUT_NOT_A_FILE',
      `--out ${path} is a folder or other non-file: give a file path`,
    );
  if (force || (await writtenByUs(path))) return;
  throw new CommandFailure(
    'CLI_OUT_EXISTS',
    `--out ${path} exists and was not written by 'tensorlm attention': choose another --out, or pass --force to replace it`,
  );
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export const attentionCommand = defineCommand({
  name: 'attention',
  summary: 'draw what each attention head looks at (bertviz-style head and model views as HTML)',
  help: `tensorlm attention --model DIR|REPO "TEXT" [options]

Writes a self-contained HTML page (inline SVG, no scripts or downloads): the head view of
one layer — a panel per head, the tokens on both sides, a line from each token to every
token it attends to, darker for more weight — and the model view, every layer × head as a
small heatmap (queries down, keys across).

Options:
  --model DIR|REPO   ${MODEL_OPTION_HELP.replace(/\n {24}/g, '\n                     ')}
  --checkpoint DIR   another name for --model
  --layer L          the layer of the head view, from 0 (default 0)
  --out FILE         the page to write (default ${DEFAULT_ATTENTION_FILE}; with --json, none unless given).
                     An existing FILE is replaced only if this command wrote it
  --force            replace --out even if it is a file this command did not write
  --json             print the maps as one JSON line on stdout (other messages go to stderr):
                     {"model","architecture","tokens","ids","numLayers","numHeads","layer",
                      "attentions": [layer][head][query][key] (6 decimals), "html": FILE|null}
  --tokenizer T      override the model's own tokenizer (gpt2, or a tokenizer file or folder)
  --backend B        auto (default), webgpu, wasm or cpu`,
  options,
  switches: ['json', 'force'],
  async run(opts, positional, io): Promise<AttentionJson> {
    const text = positional.join(' ');
    if (text.trim() === '')
      throw new UsageError('give the text to look at: tensorlm attention --model DIR "the dog ran"');
    const source = modelSource(opts);
    const out = opts.out ?? (opts.json ? null : DEFAULT_ATTENTION_FILE);
    if (out !== null) await checkOut(out, opts.force);
    // With --json, stdout is the JSON alone: progress and notices go to stderr.
    const notes = jsonIO(io, opts.json);
    const loaded = await loadModelForTask(source, notes, {
      command: 'attention',
      expect: 'encoder',
      backend: opts.backend,
      tokenizer: opts.tokenizer,
    });
    describeLoad(loaded, notes);
    let maps: AttentionMaps;
    try {
      maps = await attentionMaps(loaded.model, loaded.tokenizer!, text);
    } catch (error) {
      if (error instanceof TokenizerError)
        throw new UsageError(`cannot encode the text: ${error.message}`, { cause: error });
      throw taskFailure(error);
    } finally {
      loaded.model.dispose();
    }
    if (opts.layer >= maps.numLayers)
      throw new UsageError(
        `--layer ${opts.layer} does not exist: ${maps.architecture} has ${maps.numLayers} layers (0 to ${maps.numLayers - 1})`,
      );
    if (out !== null) {
      await writeFileAtomic(out, headViewHtml(maps, { layer: opts.layer }));
      notes.out(
        `wrote ${out}: ${maps.tokens.length} tokens, head view of layer ${opts.layer} (${maps.numHeads} heads), model view ${maps.numLayers} × ${maps.numHeads}`,
      );
    }
    const result: AttentionJson = {
      model: source,
      ...maps,
      layer: opts.layer,
      attentions: maps.attentions.map((l) => l.map((h) => h.map((row) => row.map(round6)))),
      html: out,
    };
    if (opts.json) io.out(JSON.stringify(result));
    return result;
  },
});
