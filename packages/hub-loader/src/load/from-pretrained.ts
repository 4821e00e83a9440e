// `fromPretrained(source)` in Node: a model, its tokenizer and configs from a Hugging Face
// folder, a tensorlm run (or one of its checkpoints), or a Hub repo id (through the Hugging
// Face cache). The steps that do not care where files are — architecture, key mapping,
// streaming onto the backend — are ./assemble.ts's, shared with the browser's
// ./from-pretrained.browser.ts. What was renamed, ignored or tied is returned as a report.

import { joinPath, type Module } from '@tensorlm/nn';
import { ModelFolderError } from '../errors.js';
import { openWeights } from '../formats/open.js';
import type { DownloadProgress } from '../hub/resolve-snapshot.node.js';
import { loadFolderTokenizer } from '../tokenizer/load-tokenizer.js';
import {
  checkDtype,
  checkTokenizerFits,
  chooseArchitecture,
  configFor,
  loadWeights,
  parseJsonObject,
} from './assemble.js';
import { folderOfFiles, type ModelFiles } from './blob-folder.js';
import { fromBlobFolder } from './from-blobs.js';
import { CONFIG_FILE, locateModel } from './locate.js';
import {
  type CommonPretrainedOptions,
  GENERATION_CONFIG_FILE,
  type LoadTensorProgress,
  type Pretrained,
} from './pretrained.js';
import type { WeightsReport } from './report.js';

export { GENERATION_CONFIG_FILE, type Pretrained };

/** Progress of a load: bytes of a download, then tensors onto the backend. */
export type LoadProgress = ({ phase: 'download' } & DownloadProgress) | LoadTensorProgress;

export interface FromPretrainedOptions extends CommonPretrainedOptions {
  onProgress?: (event: LoadProgress) => void;
  /** Hugging Face cache folder (default HF_HUB_CACHE / HF_HOME/hub / ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** Never use the network (default HF_HUB_OFFLINE). */
  offline?: boolean;
  /** Hub token for private and gated repos (default HF_TOKEN). */
  token?: string;
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
  return parseJsonObject(text, path);
}

/**
 * A model with its tokenizer and configs from `source`: a local HF-layout folder, a
 * tensorlm run folder (its best checkpoint) or one of its checkpoint-N folders, a Hugging
 * Face cache snapshot, or a Hub repo id (`gpt2`, `google-bert/bert-base-uncased`) — or, as
 * in a browser, the files of one model folder as `File[]` or name → Blob.
 */
export async function fromPretrained<M extends Module = Module>(
  source: string | ModelFiles,
  options: FromPretrainedOptions = {},
): Promise<Pretrained<M>> {
  checkDtype(options.dtype);
  if (typeof source !== 'string') return fromBlobFolder<M>(folderOfFiles(source), 'files', options);
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
  checkTokenizerFits(found, config, configPath, loaded.model);
  return {
    model: loaded.model as M,
    tokenizer: found?.tokenizer ?? null,
    config,
    rawConfig,
    generationConfig,
    report: { ...loaded.report, source: located.kind, folder: located.folder },
  };
}
