// saveModel / loadModel: a model folder as Hugging Face lays it out — `model.safetensors`
// (tied weights stored once, metadata format "pt") and `config.json` in HF's keys — so a
// saved GPT-2 or BERT loads in `transformers` and an HF folder loads here.
import { NnError } from '../errors.js';
import { BertForMaskedLM, BertForSequenceClassification, BertModel } from '../models/bert.js';
import { bertConfigFromHF, bertConfigToHF } from '../models/bert-config.js';
import { GPT2LMHeadModel, GPT2Model } from '../models/gpt.js';
import { gptConfigFromHF, gptConfigToHF } from '../models/gpt-config.js';
import { type Module, onMeta } from '../module/module.js';
import { safetensorsToStateDict } from '../safetensors/state-dict.js';
import { loadSafetensors, saveSafetensors, writeFileAtomic } from './fs.js';
import { joinPath } from './path.js';

export const WEIGHTS_NAME = 'model.safetensors';
export const CONFIG_NAME = 'config.json';

/** The models `saveModel` / `loadModel` know, by HF architecture name. */
export type SavableModel =
  | GPT2LMHeadModel
  | GPT2Model
  | BertModel
  | BertForMaskedLM
  | BertForSequenceClassification;

const BUILDERS: Record<string, (json: unknown) => SavableModel> = {
  GPT2LMHeadModel: (json) => new GPT2LMHeadModel(gptConfigFromHF(json)),
  GPT2Model: (json) => new GPT2Model(gptConfigFromHF(json)),
  BertModel: (json) => new BertModel(bertConfigFromHF(json)),
  BertForMaskedLM: (json) => new BertForMaskedLM(bertConfigFromHF(json)),
  BertForSequenceClassification: (json) => new BertForSequenceClassification(bertConfigFromHF(json)),
};

/** The Hugging Face config.json of a model. */
export function modelConfigJSON(model: SavableModel): Record<string, unknown> {
  const json =
    model instanceof GPT2LMHeadModel || model instanceof GPT2Model
      ? gptConfigToHF(model.config, model.typeName)
      : bertConfigToHF(model.config, model.typeName);
  return { ...json, torch_dtype: 'float32' };
}

export interface SaveModelResult {
  weightsPath: string;
  configPath: string;
}

/**
 * Writes `dir/model.safetensors` and `dir/config.json` (creating `dir`), each atomically.
 * Tied weights are stored once, under their first name (as transformers' save_pretrained).
 */
export async function saveModel(
  model: SavableModel,
  dir: string,
  options: { metadata?: Readonly<Record<string, string>> } = {},
): Promise<SaveModelResult> {
  if (!(model.typeName in BUILDERS)) throw new NnError(`saveModel: cannot save a ${model.typeName}`);
  const fs = await import('node:fs/promises');
  await fs.mkdir(dir, { recursive: true });
  const weightsPath = joinPath(dir, WEIGHTS_NAME);
  const configPath = joinPath(dir, CONFIG_NAME);
  const stateDict = model.stateDict({ dedupeTied: true });
  try {
    await saveSafetensors(weightsPath, stateDict, { metadata: { format: 'pt', ...options.metadata } });
  } finally {
    for (const t of stateDict.values()) t.dispose();
  }
  await writeFileAtomic(configPath, `${JSON.stringify(modelConfigJSON(model), null, 2)}\n`);
  return { weightsPath, configPath };
}

/**
 * Loads a folder written by `saveModel` (or an HF folder with the same layout and names)
 * onto the current backend, in eval mode. The model is built shape-only and filled from
 * the file; a missing, extra or mis-shaped tensor throws and no model is returned.
 */
export async function loadModel<M extends Module = SavableModel>(
  dir: string,
  expected?: abstract new (...args: never[]) => M,
): Promise<M> {
  const fs = await import('node:fs/promises');
  const configPath = joinPath(dir, CONFIG_NAME);
  const weightsPath = joinPath(dir, WEIGHTS_NAME);
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await fs.readFile(configPath, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new NnError(`loadModel: cannot read ${configPath}: ${(error as Error).message}`);
  }
  const architectures = Array.isArray(json.architectures) ? (json.architectures as unknown[]) : [];
  const architecture = String(
    architectures[0] ?? (json.model_type === 'bert' ? 'BertModel' : 'GPT2LMHeadModel'),
  );
  const build = BUILDERS[architecture];
  if (!build) {
    throw new NnError(
      `loadModel: ${configPath} names architecture '${architecture}' (known: ${Object.keys(BUILDERS).join(', ')})`,
    );
  }
  const file = await loadSafetensors(weightsPath);
  const model = onMeta(() => build(json));
  if (expected && !(model instanceof expected)) {
    throw new NnError(`loadModel: ${configPath} holds a ${architecture}, not a ${expected.name}`);
  }
  const stateDict = safetensorsToStateDict(file);
  try {
    model.loadStateDict(stateDict, { strict: true });
  } catch (error) {
    model.dispose();
    throw new NnError(`loadModel: ${weightsPath} does not fit ${architecture}: ${(error as Error).message}`);
  } finally {
    for (const t of stateDict.values()) t.dispose();
  }
  return model.eval() as unknown as M;
}
