// The models the worker holds besides the grammar GPT being trained: the masked LM trained
// in the page, and one loaded model (a dropped folder, a Hub repo, a checkpoint stored in
// the browser). Loading checks the weights against this backend's limits before reading
// them; generation with a loaded model follows `tensorlm generate --model`: the prompt
// encoded without special tokens, the tokenizer's end token (else generation_config's or
// config's), and the text decoded without special tokens — so greedy text equals the CLI's.
import { generateStream } from '@tensorlm/decoding';
import {
  formatLoadReport,
  fromPretrained,
  type Pretrained,
  resolveBrowserSnapshot,
} from '@tensorlm/hub-loader';
import { GPT2LMHeadModel, type Module } from '@tensorlm/nn';
import { getBackend, noGrad, tensor, tidy } from '@tensorlm/tensor-core';
import { type Tokenizer, TokenizerError } from '@tensorlm/tokenizers';
import { DemoError } from '../models/errors.js';
import { type PickedFile, resolveModelFolder } from '../models/folder.js';
import { getCheckpoint } from '../models/storage.js';
import { type BackendLimits, checkWeightsFit, tooLarge } from '../models/weight-size.js';
import type { Alternative, GenerateRequest, LoadedInfo, LoadSource } from './protocol.js';

/** A model with what its tasks need: a tokenizer and the stored configs. */
export interface HeldModel {
  model: Module;
  tokenizer: Tokenizer;
  rawConfig: Record<string, unknown> | null;
  generationConfig: Record<string, unknown> | null;
  info: LoadedInfo;
}

/** Next-token probabilities are computed (one extra forward per token) for models up to this size. */
const PROBABILITY_PARAMETER_LIMIT = 30_000_000;

/** What this backend can hold: its largest buffer, and a share of the machine's memory for the whole. */
export function backendLimits(): BackendLimits {
  const backend = getBackend();
  const memoryGb = (globalThis.navigator as { deviceMemory?: number } | undefined)?.deviceMemory ?? 4;
  return {
    device: backend.describe().device,
    maxStorageBytes: backend.capabilities.maxStorageBytes,
    // Weights plus the activations and copies a forward makes: half the reported memory.
    budgetBytes: (memoryGb * 1e9) / 2,
  };
}

const WEIGHT_FILE = /\.(safetensors|bin)$/;

/**
 * A Hub repo into Cache Storage, refused as soon as its weight files' sizes (from each
 * response's Content-Length, before the body) pass the page's budget — nothing past that
 * is downloaded. The exact check from the safetensors headers follows, as for a folder.
 */
async function hubFiles(repo: string, onProgress: (text: string) => void): Promise<Map<string, Blob>> {
  const limits = backendLimits();
  let weightBytes = 0;
  const snapshot = await resolveBrowserSnapshot(repo, {
    beforeDownload: ({ name, bytes }) => {
      if (!WEIGHT_FILE.test(name) || bytes === undefined) return;
      weightBytes += bytes;
      const problem = tooLarge(
        { total: weightBytes, largest: { name: '', shape: [], bytes: 0 }, tensors: 0 },
        limits,
      );
      if (problem) throw new DemoError('DEMO_MODEL_TOO_LARGE', `${problem}; ${name} was not downloaded`);
    },
    onProgress: (p) =>
      onProgress(
        `downloading ${p.file}: ${(p.bytesDone / 1e6).toFixed(1)} of ${(p.bytesTotal / 1e6).toFixed(1)} MB`,
      ),
  });
  const blobs = await Promise.all(
    snapshot.files.map(async (file) => [file, await snapshot.blob(file)] as const),
  );
  return new Map(blobs);
}

async function filesOf(
  source: LoadSource,
  onProgress: (text: string) => void,
): Promise<{ files: Map<string, Blob>; label: string; kind: LoadedInfo['source'] }> {
  switch (source.kind) {
    case 'files': {
      const folder = await resolveModelFolder(source.files as PickedFile[]);
      return {
        files: folder.files,
        label: folder.label,
        kind: folder.kind === 'run' ? 'run folder' : 'folder',
      };
    }
    case 'stored': {
      const stored = await getCheckpoint(source.name);
      const files = new Map(
        Object.entries(stored.files).map(([name, bytes]) => [name, new Blob([bytes as BlobPart])]),
      );
      return { files, label: `${source.name} (saved in this browser)`, kind: 'browser storage' };
    }
    case 'hub':
      return { files: await hubFiles(source.repo, onProgress), label: source.repo, kind: 'Hugging Face Hub' };
  }
}

/** Loads a model (see LoadSource); the result is the caller's to dispose. */
export async function loadModel(source: LoadSource, onProgress: (text: string) => void): Promise<HeldModel> {
  const { files, label, kind } = await filesOf(source, onProgress);
  await checkWeightsFit(files, backendLimits());
  const loaded: Pretrained = await fromPretrained(files, {
    onProgress: (event) => {
      if (event.phase === 'load') onProgress(`loading weights: tensor ${event.done} of ${event.total}`);
    },
  });
  if (!loaded.tokenizer) {
    loaded.model.dispose();
    throw new DemoError(
      'DEMO_UNSUPPORTED_MODEL',
      `${label} has no tokenizer (tokenizer.json, vocab.json + merges.txt, or vocab.txt), so the demo cannot feed it text`,
    );
  }
  return {
    model: loaded.model,
    tokenizer: loaded.tokenizer,
    rawConfig: loaded.rawConfig,
    generationConfig: loaded.generationConfig,
    info: {
      label,
      source: kind,
      architecture: loaded.report.architecture,
      parameters: loaded.model.numParameters(),
      tokenizer: loaded.tokenizer.kind,
      vocabSize: loaded.tokenizer.vocabSize,
      report: formatLoadReport(loaded.report).join('\n'),
    },
  };
}

/** The end token: the tokenizer's, else generation_config.json's, else config.json's (as the CLI). */
function endToken(held: HeldModel): number | null {
  const vocab = held.tokenizer.vocabSize;
  if (held.tokenizer.eosTokenId !== undefined) return held.tokenizer.eosTokenId;
  for (const config of [held.generationConfig, held.rawConfig]) {
    const value = config?.eos_token_id;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < vocab) return value;
  }
  return null;
}

/** The prompt's ids; a word the tokenizer cannot encode is a message naming it. */
export function encodePrompt(held: HeldModel, prompt: string): number[] {
  let ids: number[];
  try {
    ids = held.tokenizer.encode(prompt, { addSpecialTokens: false });
  } catch (error) {
    if (error instanceof TokenizerError) throw new Error(`cannot encode the prompt: ${error.message}`);
    throw error;
  }
  if (ids.length === 0) throw new Error('the prompt encodes to no tokens: give a prompt');
  return ids;
}

async function nextTokenProbs(model: GPT2LMHeadModel, ids: number[]): Promise<Float64Array> {
  const last = tidy(() => {
    const input = tensor([ids], { dtype: 'i32' });
    const logits = noGrad(() => model.forward(input).logits);
    return logits.slice([null, [ids.length - 1, ids.length], null]);
  });
  const values = await last.data();
  last.dispose();
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) max = Math.max(max, v);
  const exps = Float64Array.from(values, (v) => Math.exp(v - max));
  const total = exps.reduce((s, v) => s + v, 0);
  return exps.map((v) => v / total);
}

export interface LoadedToken {
  token: string;
  /** The whole text so far (prompt included), decoded as the CLI prints it. */
  text: string;
  prob: number | null;
  alternatives: Alternative[];
}

/** Streams a continuation with a loaded causal LM (see the file header). */
export async function* generateLoaded(
  held: HeldModel,
  request: GenerateRequest,
): AsyncGenerator<LoadedToken, { finish: 'eos' | 'length'; text: string }> {
  const { model, tokenizer } = held;
  if (!(model instanceof GPT2LMHeadModel))
    throw new DemoError(
      'DEMO_UNSUPPORTED_MODEL',
      `${held.info.label} is a ${held.info.architecture}, not a causal language model: use it in Fill-mask or Attention`,
    );
  const prompt = encodePrompt(held, request.prompt);
  const room = model.config.blockSize - prompt.length;
  if (room <= 0)
    throw new Error(
      `the prompt is ${prompt.length} tokens; this model reads at most ${model.config.blockSize}`,
    );
  const eos = endToken(held);
  const render = (ids: readonly number[]) =>
    tokenizer.decode(
      ids.filter((id) => id !== eos),
      { skipSpecialTokens: true },
    );
  const withProbs = model.numParameters() <= PROBABILITY_PARAMETER_LIMIT;
  model.eval();
  const stream = generateStream(model, [prompt], {
    maxNewTokens: Math.max(0, Math.min(request.maxNewTokens, room)),
    doSample: request.doSample,
    temperature: request.doSample ? request.temperature : 1,
    topK: request.doSample && request.topK > 0 ? request.topK : null,
    topP: request.doSample ? request.topP : 1,
    seed: request.seed,
    eosTokenId: request.stopAtEnd ? eos : null,
  });
  const ids = [...prompt];
  let result = await stream.next();
  while (!result.done) {
    const id = result.value.tokens[0]!;
    const probs = withProbs ? await nextTokenProbs(model, ids) : null;
    ids.push(id);
    const ranked = probs ? [...probs.keys()].sort((a, b) => probs[b]! - probs[a]!).slice(0, 5) : [];
    yield {
      token: tokenizer.idToToken(id) ?? `#${id}`,
      text: render(ids),
      prob: probs ? probs[id]! : null,
      alternatives: ranked.map((i) => ({ token: tokenizer.idToToken(i) ?? `#${i}`, prob: probs![i]! })),
    };
    result = await stream.next();
  }
  return { finish: result.value.finishReasons[0]! === 'eos' ? 'eos' : 'length', text: render(ids) };
}
