// The worker's answers to the page's requests (protocol.ts `Request`): attention maps and
// fill-mask candidates from a chosen model (through @tensorlm/tasks, as in Node), loading
// a model, and saving one — into the browser's storage, or as a zipped Hugging Face folder.
import type { Module } from '@tensorlm/nn';
import { attentionMaps, type FillMaskCandidate, pipeline } from '@tensorlm/tasks';
import { type Tokenizer, TokenizerError, WordTokenizer } from '@tensorlm/tokenizers';
import { DemoError } from '../models/errors.js';
import { huggingFaceFiles, zipFolder } from '../models/export.js';
import { deleteCheckpoint, listCheckpoints, putCheckpoint } from '../models/storage.js';
import type { MlmSession } from './mlm-session.js';
import { type HeldModel, loadModel } from './models.js';
import type { ModelChoice, Replies, Request } from './protocol.js';
import type { Session } from './session.js';

/** What the worker holds, as the requests see it. */
export interface WorkerModels {
  session: Session | null;
  mlm: MlmSession | null;
  loaded: HeldModel | null;
}

/** The grammar GPT's tokenizer as the CLI saves it with a grammar run (`train grammar`). */
export function grammarWordTokenizer(session: Session): WordTokenizer {
  return WordTokenizer.fromVocab(session.grammar.vocab, { specialTokens: { pad: '[Pad]', eos: '[End]' } });
}

function pick(
  models: WorkerModels,
  choice: ModelChoice,
): { model: Module; tokenizer: Tokenizer; label: string } {
  switch (choice) {
    case 'trained':
      if (!models.session) throw new DemoError('DEMO_NO_MODEL', 'the grammar model is not ready yet');
      return {
        model: models.session.model,
        tokenizer: grammarWordTokenizer(models.session),
        label: 'the grammar GPT',
      };
    case 'mlm':
      if (!models.mlm)
        throw new DemoError(
          'DEMO_NO_MODEL',
          'no masked LM is trained yet: press "Train the masked LM" in Fill-mask',
        );
      return { model: models.mlm.model, tokenizer: models.mlm.tokenizer, label: 'the grammar BERT' };
    case 'loaded':
      if (!models.loaded)
        throw new DemoError('DEMO_NO_MODEL', 'no model is loaded: drop a model folder in Models');
      return { ...models.loaded, label: models.loaded.info.label };
  }
}

/** A tokenizer's refusal (a word outside a word-level vocabulary) as the page shows it. */
function explained<T>(run: () => Promise<T>, what: string): Promise<T> {
  return run().catch((error: unknown) => {
    if (error instanceof TokenizerError) throw new Error(`cannot encode the ${what}: ${error.message}`);
    throw error;
  });
}

function describe(model: Module, steps: number): string {
  return `${model.typeName}, ${model.numParameters().toLocaleString('en-US')} parameters, ${steps} steps`;
}

export async function answer<R extends Request>(
  request: R,
  models: WorkerModels,
  progress: (text: string) => void,
): Promise<{ value: Replies[R['type']]; transfer?: Transferable[] }> {
  type Out = { value: Replies[R['type']]; transfer?: Transferable[] };
  switch (request.type) {
    case 'attention': {
      const { model, tokenizer } = pick(models, request.model);
      const maps = await explained(() => attentionMaps(model, tokenizer, request.text), 'sentence');
      return { value: maps } as Out;
    }
    case 'fill-mask': {
      const { model, tokenizer } = pick(models, request.model);
      const fill = await pipeline('fill-mask', { model, tokenizer });
      try {
        if (!request.text.includes(fill.maskToken))
          throw new Error(
            `put ${fill.maskToken} where a word is missing, e.g. "the ${fill.maskToken} saw a cat"`,
          );
        const out = await explained(() => fill.run(request.text, { topK: request.topK }), 'sentence');
        const perMask = (Array.isArray(out[0]) ? out : [out]) as FillMaskCandidate[][];
        return { value: perMask } as Out;
      } finally {
        fill.dispose();
      }
    }
    case 'load': {
      const next = await loadModel(request.source, progress);
      models.loaded?.model.dispose();
      models.loaded = next;
      return { value: next.info } as Out;
    }
    case 'save': {
      const { model, tokenizer } = pick(models, request.model);
      const name = request.name.trim();
      if (!name) throw new Error('give the checkpoint a name');
      const steps = request.model === 'trained' ? models.session!.step : models.mlm!.step;
      const files = await huggingFaceFiles(model, tokenizer);
      await putCheckpoint({
        name,
        savedAt: new Date().toISOString(),
        description: describe(model, steps),
        files: Object.fromEntries(files),
      });
      return { value: await listCheckpoints() } as Out;
    }
    case 'download': {
      const { model, tokenizer } = pick(models, request.model);
      const zip = zipFolder(request.folder, await huggingFaceFiles(model, tokenizer));
      return { value: zip, transfer: [zip.buffer] } as Out;
    }
    case 'list-stored':
      return { value: await listCheckpoints() } as Out;
    case 'delete-stored':
      await deleteCheckpoint(request.name);
      return { value: await listCheckpoints() } as Out;
  }
  throw new Error(`unknown request ${(request as { type: string }).type}`);
}
