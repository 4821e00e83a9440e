// A model from one folder of Blobs (../formats/files.ts' BlobFolder): config.json, the
// generation config and tokenizer when present, and the weights streamed tensor by tensor.
// The browser's fromPretrained loads every source through it (dropped files, Hub
// snapshots in Cache Storage), and Node's takes the same File[] / name → Blob sources
// through it. No `node:` import.
import type { Module } from '@tensorlm/nn';
import { findTokenizerFile, loadTokenizerFiles, type Tokenizer } from '@tensorlm/tokenizers';
import { ModelFolderError } from '../errors.js';
import { type BlobFolder, openBlobWeights } from '../formats/files.js';
import {
  type AssembleOptions,
  checkDtype,
  checkTokenizerFits,
  chooseArchitecture,
  configFor,
  loadWeights,
  parseJsonObject,
} from './assemble.js';
import { tokenizerFilesOf } from './blob-folder.js';
import { CONFIG_FILE, GENERATION_CONFIG_FILE, type Pretrained } from './pretrained.js';
import type { LoadReport, WeightsReport } from './report.js';

async function optionalJson(folder: BlobFolder, name: string): Promise<Record<string, unknown> | null> {
  if (!(await folder.has(name))) return null;
  return parseJsonObject(await (await folder.blob(name)).text(), folder.where(name));
}

/** Loads the model folder `folder` (see the file header); `kind` is reported as the source. */
export async function fromBlobFolder<M extends Module = Module>(
  folder: BlobFolder,
  kind: LoadReport['source'],
  options: AssembleOptions,
): Promise<Pretrained<M>> {
  checkDtype(options.dtype);
  options.signal?.throwIfAborted();
  const configPath = folder.where(CONFIG_FILE);
  const rawConfig = await optionalJson(folder, CONFIG_FILE);
  if (rawConfig === null) {
    throw new ModelFolderError(
      'MODEL_CONFIG_MISSING',
      `${folder.label} is not a model folder: it has no ${CONFIG_FILE}`,
      { path: folder.label },
    );
  }
  const architecture = chooseArchitecture(rawConfig, configPath, options.architecture);
  const config = configFor(architecture, rawConfig, configPath);
  const generationConfig = await optionalJson(folder, GENERATION_CONFIG_FILE);
  const tokenizerFiles = tokenizerFilesOf(folder);
  let found: { tokenizer: Tokenizer; folder: string } | null = null;
  if ((await findTokenizerFile(tokenizerFiles)) !== undefined)
    found = { tokenizer: await loadTokenizerFiles(tokenizerFiles), folder: folder.label };
  const weights = await openBlobWeights(folder);
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
    report: { ...loaded.report, source: kind, folder: folder.label },
  };
}
