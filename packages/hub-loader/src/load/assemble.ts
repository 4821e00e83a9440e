// The steps of `fromPretrained` that do not care where the files are, shared by the Node
// loader (./from-pretrained.ts, folders on disk and the HF cache) and the browser's
// (./from-pretrained.browser.ts, dropped files and Cache Storage): config.json parsed and
// its architecture chosen through the registry, the model built shape-only, the checkpoint's
// names mapped by the architecture's key rules and checked against the model (every shard)
// before a value is read, then tensors streamed one at a time onto the backend. No `node:`
// import.
import { type Module, NnError, onMeta } from '@tensorlm/nn';
import type { Backend } from '@tensorlm/tensor-core';
import type { Tokenizer } from '@tensorlm/tokenizers';
import { ModelFolderError } from '../errors.js';
import type { WeightSource } from '../formats/source.js';
import { keyMapping } from '../registry/key-rules.js';
import {
  type Architecture,
  architectureForConfig,
  getArchitecture,
  listArchitectures,
} from '../registry/registry.js';
import type { WeightsReport } from './report.js';

/** What the shared steps need from the options of either fromPretrained. */
export interface AssembleOptions {
  backend?: Backend;
  dtype?: 'float32' | 'f32';
  architecture?: string;
  signal?: AbortSignal;
  onProgress?: (event: { phase: 'load'; tensor: string; done: number; total: number }) => void;
}

/** `dtype` other than float32 is refused before anything is read. */
export function checkDtype(dtype: unknown): void {
  if (dtype !== undefined && dtype !== 'float32' && dtype !== 'f32') {
    throw new ModelFolderError(
      'MODEL_CONFIG_UNSUPPORTED',
      `fromPretrained: dtype '${String(dtype)}' is not supported (parameters are float32; F16 and BF16 files are converted)`,
    );
  }
}

/** A config file's text as a JSON object; errors name `path`. */
export function parseJsonObject(text: string, path: string): Record<string, unknown> {
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

export function chooseArchitecture(
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
export function configFor(
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
export async function loadWeights(
  architecture: Architecture,
  config: unknown,
  source: WeightSource,
  options: AssembleOptions,
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

/** A tokenizer with more ids than the model's vocabulary is an error naming both files. */
export function checkTokenizerFits(
  found: { tokenizer: Tokenizer; folder: string } | null,
  config: unknown,
  configPath: string,
  model: Module,
): void {
  const vocabSize = (config as { vocabSize?: unknown }).vocabSize;
  if (found && typeof vocabSize === 'number' && found.tokenizer.vocabSize > vocabSize) {
    model.dispose();
    throw new ModelFolderError(
      'MODEL_WEIGHTS_MISMATCH',
      `the tokenizer in ${found.folder} has ${found.tokenizer.vocabSize} ids but the model's vocabulary (${configPath}) only ${vocabSize}`,
      { path: found.folder },
    );
  }
}
