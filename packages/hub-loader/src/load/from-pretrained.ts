// `fromPretrained(source)`: a model, its tokenizer and configs from a Hugging Face folder,
// a tensorlm run (or one of its checkpoints), or a Hub repo id. The model is built
// shape-only from config.json through the architecture registry, the checkpoint's names are
// mapped by the architecture's key rules, the whole mapping is checked against the model
// (every shard) before a value is read, and tensors then stream from the file one at a
// time onto the backend. What was renamed, ignored or tied is returned as a report.

import { joinPath, type Module, NnError, onMeta } from '@tensorlm/nn';
import type { Backend } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { ModelFolderError } from '../errors.js';
import { openWeights } from '../formats/open.js';
import type { WeightSource } from '../formats/source.js';
import type { DownloadProgress } from '../hub/resolve-snapshot.node.js';
import { keyMapping } from '../registry/key-rules.js';
import {
  type Architecture,
  architectureForConfig,
  getArchitecture,
  listArchitectures,
} from '../registry/registry.js';
import { loadFolderTokenizer } from '../tokenizer/load-tokenizer.js';
import { CONFIG_FILE, locateModel } from './locate.js';
import type { LoadReport, WeightsReport } from './report.js';

export const GENERATION_CONFIG_FILE = 'generation_config.json';

/** Progress of a load: bytes of a download, then tensors onto the backend. */
export type LoadProgress =
  | ({ phase: 'download' } & DownloadProgress)
  | { phase: 'load'; tensor: string; done: number; total: number };

export interface FromPretrainedOptions {
  /** Hub revision (branch, tag or commit); default 'main'. Ignored for local folders. */
  revision?: string;
  /** Backend the weights are uploaded to (default: the current one). */
  backend?: Backend;
  /** The parameters' dtype; only 'float32' today (F16 / BF16 files are converted to it). */
  dtype?: 'float32' | 'f32';
  /**
   * Build this registered architecture instead of config.json's (same model_type):
   * `GPT2Model` from the `gpt2` checkpoint, `BertModel` from a BertForMaskedLM folder.
   */
  architecture?: string;
  onProgress?: (event: LoadProgress) => void;
  signal?: AbortSignal;
  /** Hugging Face cache folder (default HF_HUB_CACHE / HF_HOME/hub / ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** Never use the network (default HF_HUB_OFFLINE). */
  offline?: boolean;
  /** Hub token for private and gated repos (default HF_TOKEN). */
  token?: string;
}

export interface Pretrained<M extends Module = Module> {
  model: M;
  /** null when the folder has no tokenizer file. */
  tokenizer: Tokenizer | null;
  /** The model's own validated config (GPTConfig, BertConfig, …). */
  config: unknown;
  /** config.json as stored. */
  rawConfig: Record<string, unknown>;
  /** generation_config.json as stored, or null. */
  generationConfig: Record<string, unknown> | null;
  report: LoadReport;
}

async function readJsonObject(
  path: string,
  what: string,
  optional: boolean,
): Promise<Record<string, unknown> | null> {
  const fs = await import('node:fs/promises');
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if (optional && (error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new ModelFolderError(
      'MODEL_CONFIG_MISSING',
      `cannot read ${what} ${path}: ${(error as Error).message}`,
      {
        path,
        cause: error,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelFolderError(
      'MODEL_CONFIG_INVALID',
      `${path} is not valid JSON: ${(error as Error).message}`,
      {
        path,
      },
    );
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelFolderError('MODEL_CONFIG_INVALID', `${path} must hold a JSON object`, { path });
  }
  return json as Record<string, unknown>;
}

function chooseArchitecture(
  rawConfig: Record<string, unknown>,
  configPath: string,
  requested: string | undefined,
): Architecture {
  if (requested === undefined) return architectureForConfig(rawConfig, configPath);
  const chosen = getArchitecture(requested);
  if (!chosen) {
    throw new ModelFolderError(
      'MODEL_ARCHITECTURE_UNKNOWN',
      `architecture '${requested}' is not registered (registered: ${listArchitectures().join(', ')})`,
    );
  }
  // The config's own architecture need not be registered (BertForPreTraining), its model_type must match.
  const modelType = rawConfig.model_type;
  if (modelType !== chosen.modelType) {
    throw new ModelFolderError(
      'MODEL_ARCHITECTURE_UNKNOWN',
      `architecture '${requested}' is a ${chosen.modelType} model but ${configPath} has model_type ${JSON.stringify(modelType)}`,
      { path: configPath },
    );
  }
  return chosen;
}

/** Builds the architecture's config from config.json; errors name the file and the field. */
function configFor(
  architecture: Architecture,
  rawConfig: Record<string, unknown>,
  configPath: string,
): unknown {
  try {
    return architecture.configFromHF(rawConfig);
  } catch (error) {
    if (error instanceof ModelFolderError) {
      throw new ModelFolderError(error.code, `${configPath}: ${error.message}`, {
        path: configPath,
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Loads `architecture` from `source` into a shape-only model and returns it with the
 * report. Strict: a tensor the model needs and the files lack, a stored tensor no rule
 * accounts for, or a shape that differs is an error before any value is read.
 */
async function loadWeights(
  architecture: Architecture,
  config: unknown,
  source: WeightSource,
  options: FromPretrainedOptions,
): Promise<{ model: Module; report: WeightsReport }> {
  const model = onMeta(() => architecture.build(config)) as Module;
  try {
    const infos = source.tensors();
    const storedKeys = [...infos.keys()];
    const mapping = keyMapping(architecture.keyRules, storedKeys, new Set(model.stateDictShapes().keys()));
    const result = await model.loadStateDictFrom(
      {
        keys: () => storedKeys,
        shape: (key) => infos.get(key)!.shape,
        get: (key) => {
          options.signal?.throwIfAborted();
          return source.read(key);
        },
      },
      {
        rename: mapping.rename,
        ignore: mapping.ignore,
        ...(options.backend ? { backend: options.backend } : {}),
        onLoaded: (tensor, done, total) => options.onProgress?.({ phase: 'load', tensor, done, total }),
      },
    );
    const dtypes = [...new Set([...infos.values()].map((i) => i.dtype))];
    return {
      model: model.eval(),
      report: {
        architecture: architecture.name,
        weights: source.path,
        storedDtypes: dtypes,
        renamed: result.renamed.map((r) => ({ ...r, reason: mapping.renameReason(r.from) })),
        ignored: result.ignored,
        tied: result.tied,
      },
    };
  } catch (error) {
    model.dispose();
    if (error instanceof NnError && !(error instanceof ModelFolderError) && error.code === 'NN_MODULE') {
      throw new ModelFolderError(
        'MODEL_WEIGHTS_MISMATCH',
        `${source.path} does not fit ${architecture.name}: ${error.message}`,
        { path: source.path, cause: error },
      );
    }
    throw error;
  }
}

/**
 * A model with its tokenizer and configs from `source`: a local HF-layout folder, a
 * tensorlm run folder (its best checkpoint) or one of its checkpoint-N folders, a Hugging
 * Face cache snapshot, or a Hub repo id (`gpt2`, `google-bert/bert-base-uncased`).
 */
export async function fromPretrained<M extends Module = Module>(
  source: string,
  options: FromPretrainedOptions = {},
): Promise<Pretrained<M>> {
  if (options.dtype !== undefined && options.dtype !== 'float32' && options.dtype !== 'f32') {
    throw new ModelFolderError(
      'MODEL_CONFIG_UNSUPPORTED',
      `fromPretrained: dtype '${String(options.dtype)}' is not supported (parameters are float32; F16 and BF16 files are converted)`,
    );
  }
  options.signal?.throwIfAborted();
  const located = await locateModel(source, {
    ...options,
    ...(options.onProgress
      ? { onDownload: (p: DownloadProgress) => options.onProgress?.({ phase: 'download', ...p }) }
      : {}),
  });
  const configPath = joinPath(located.folder, CONFIG_FILE);
  const rawConfig = (await readJsonObject(configPath, 'the model config', false))!;
  const architecture = chooseArchitecture(rawConfig, configPath, options.architecture);
  const config = configFor(architecture, rawConfig, configPath);
  const generationConfig = await readJsonObject(
    joinPath(located.folder, GENERATION_CONFIG_FILE),
    'the generation config',
    true,
  );
  const found = await loadFolderTokenizer(
    located.runFolder ? [located.folder, located.runFolder] : [located.folder],
  );
  const weights = await openWeights(located.folder);
  let loaded: { model: Module; report: WeightsReport };
  try {
    loaded = await loadWeights(architecture, config, weights, options);
  } finally {
    await weights.close();
  }
  const vocabSize = (config as { vocabSize?: unknown }).vocabSize;
  if (found && typeof vocabSize === 'number' && found.tokenizer.vocabSize > vocabSize) {
    loaded.model.dispose();
    throw new ModelFolderError(
      'MODEL_WEIGHTS_MISMATCH',
      `the tokenizer in ${found.folder} has ${found.tokenizer.vocabSize} ids but the model's vocabulary (${configPath}) only ${vocabSize}`,
      { path: found.folder },
    );
  }
  return {
    model: loaded.model as M,
    tokenizer: found?.tokenizer ?? null,
    config,
    rawConfig,
    generationConfig,
    report: { ...loaded.report, source: located.kind, folder: located.folder },
  };
}
