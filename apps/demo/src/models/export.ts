// A model trained in the page as the files of a Hugging Face folder — config.json,
// model.safetensors (tied weights once), tokenizer.json with tokenizer_config.json and
// special_tokens_map.json, generation_config.json — as hub-loader's `savePretrained` writes
// them in Node (that function writes to disk and is Node-only, so its file contents are
// built here from the same public pieces: the architecture registry's configToHF, nn's
// safetensors serializer, tokenizers' toHuggingFaceJSON). The files are what the page
// stores in IndexedDB and zips for download; `fromPretrained` and transformers load them.
import { architectureOfModel } from '@tensorlm/hub-loader';
import { type HostTensor, type Module, serializeSafetensors } from '@tensorlm/nn';
import { type Tokenizer, toHuggingFaceJSON } from '@tensorlm/tokenizers';
import { zipSync } from 'fflate';

const json = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

const HF_TOKENIZER_CLASS: Record<string, string> = { bpe: 'GPT2Tokenizer', wordpiece: 'BertTokenizer' };

function tokenId(tokenizer: Tokenizer, role: 'bos' | 'eos'): number | undefined {
  const token = tokenizer.specialTokens[role];
  return token === undefined ? undefined : tokenizer.tokenToId(token);
}

function configJson(model: Module, tokenizer: Tokenizer): Record<string, unknown> {
  const architecture = architectureOfModel(model);
  const config: Record<string, unknown> = architecture.configToHF(architecture.configOf(model));
  if ('bos_token_id' in config) {
    const bos = tokenId(tokenizer, 'bos');
    const eos = tokenId(tokenizer, 'eos');
    if (bos !== undefined) config.bos_token_id = bos;
    if (eos !== undefined) config.eos_token_id = eos;
  }
  return Object.fromEntries(Object.entries(config).sort(([a], [b]) => a.localeCompare(b)));
}

function tokenizerFiles(tokenizer: Tokenizer, maxLength: number | undefined): Record<string, unknown> {
  const specials: Record<string, string> = {};
  for (const [role, token] of Object.entries(tokenizer.specialTokens))
    if (typeof token === 'string') specials[`${role}_token`] = token;
  const own = tokenizer.toJSON() as { lowercase?: unknown; addPrefixSpace?: unknown };
  return {
    'tokenizer.json': toHuggingFaceJSON(tokenizer),
    'special_tokens_map.json': specials,
    'tokenizer_config.json': {
      ...specials,
      tokenizer_class: HF_TOKENIZER_CLASS[tokenizer.kind] ?? 'PreTrainedTokenizerFast',
      clean_up_tokenization_spaces: false,
      ...(maxLength !== undefined ? { model_max_length: maxLength } : {}),
      ...(tokenizer.kind === 'wordpiece' ? { do_lower_case: Boolean(own.lowercase) } : {}),
      ...(tokenizer.kind === 'bpe' ? { add_prefix_space: Boolean(own.addPrefixSpace) } : {}),
    },
  };
}

/** The Hugging Face folder of `model` and its tokenizer, file name → bytes. */
export async function huggingFaceFiles(
  model: Module,
  tokenizer: Tokenizer,
): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const config = configJson(model, tokenizer);
  const stateDict = model.stateDict({ dedupeTied: true });
  const host: [string, HostTensor][] = [];
  try {
    for (const [name, t] of stateDict) {
      const data = (await t.data()) as Float32Array | Int32Array | Uint8Array;
      host.push([name, { dtype: t.dtype as HostTensor['dtype'], shape: [...t.shape], data }]);
    }
  } finally {
    for (const t of stateDict.values()) t.dispose();
  }
  files.set('model.safetensors', serializeSafetensors(host, { metadata: { format: 'pt' } }));
  const maxLength = [config.n_positions, config.max_position_embeddings].find((v) => typeof v === 'number') as
    | number
    | undefined;
  for (const [name, value] of Object.entries(tokenizerFiles(tokenizer, maxLength)))
    files.set(name, json(value));
  if (architectureOfModel(model).name === 'GPT2LMHeadModel') {
    const generation: Record<string, unknown> = { _from_model_config: true };
    if (typeof config.bos_token_id === 'number') generation.bos_token_id = config.bos_token_id;
    if (typeof config.eos_token_id === 'number') generation.eos_token_id = config.eos_token_id;
    files.set('generation_config.json', json(generation));
  }
  files.set('config.json', json(config));
  return files;
}

/** The files as a zip holding one folder `folder/` (fflate, no compression of the weights). */
export function zipFolder(folder: string, files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const entries: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, bytes] of files)
    entries[`${folder}/${name}`] = [bytes, { level: name.endsWith('.safetensors') ? 0 : 6 }];
  return zipSync(entries);
}
