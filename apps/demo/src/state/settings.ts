// The demo's whole state as URL search parameters, so a setup can be shared as a link:
// the view, the Train view's hyperparameters and the backend choice. The URL is user
// input: it is parsed with zod, and a bad value falls back to its default with a note
// naming the parameter (never a blank page).
import { z } from 'zod';

/**
 * The CLI's grammar model (`tensorlm train grammar`: apps/cli/src/grammar-setup.ts,
 * GRAMMAR_GPT_CONFIG — vocab 39, 128 positions, n_embd 64, 3 layers, 8 heads). Copied,
 * not imported: the CLI package reaches node: modules. The demo's defaults follow the
 * root `npm start` run (batch 64, learning rate 2e-3).
 */
export const GRAMMAR_MODEL = { vocabSize: 39, blockSize: 128, nEmbd: 64, nLayer: 3, nHead: 8 } as const;

/** Sentences are padded to this many ids, as the CLI's tokenBatchSource (length 20). */
export const SENTENCE_LENGTH = 20;

export const VIEWS = [
  'train',
  'embeddings',
  'generate',
  'tokenizer',
  'attention',
  'fill-mask',
  'models',
  'backend',
] as const;
export type View = (typeof VIEWS)[number];

export const BACKEND_CHOICES = ['auto', 'webgpu', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Each field: its URL parameter, schema and default. */
const fields = {
  view: z.enum(VIEWS).default('train'),
  layers: int(1, 8).default(GRAMMAR_MODEL.nLayer),
  width: int(8, 256).default(GRAMMAR_MODEL.nEmbd),
  heads: int(1, 16).default(GRAMMAR_MODEL.nHead),
  lr: z.coerce.number().positive().max(1).default(2e-3),
  batch: int(1, 1024).default(64),
  steps: int(1, 100_000).default(300),
  every: int(1, 10_000).default(50),
  seed: int(0, 2 ** 31 - 1).default(0),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
} as const;

export type Settings = { -readonly [K in keyof typeof fields]: z.output<(typeof fields)[K]> };
export type TrainSettings = Omit<Settings, 'view'>;

export const DEFAULT_SETTINGS: Settings = Object.fromEntries(
  Object.entries(fields).map(([key, schema]) => [key, schema.parse(undefined)]),
) as Settings;

export interface ParsedSettings {
  settings: Settings;
  /** One line per parameter that was ignored, naming it and why. */
  problems: string[];
}

/** Settings from a URL's search part; bad or inconsistent values fall back to defaults, each named. */
export function settingsFromSearch(search: string): ParsedSettings {
  const params = new URLSearchParams(search);
  const problems: string[] = [];
  const settings = { ...DEFAULT_SETTINGS } as Record<string, unknown>;
  for (const [key, schema] of Object.entries(fields)) {
    const raw = params.get(key);
    if (raw === null || raw === '') continue;
    const parsed = (schema as z.ZodType).safeParse(raw);
    if (parsed.success) settings[key] = parsed.data;
    else
      problems.push(
        `URL parameter ${key}=${raw}: ${parsed.error.issues[0]?.message ?? 'invalid'}; using ${String(settings[key])}`,
      );
  }
  const result = settings as Settings;
  if (result.width % result.heads !== 0) {
    problems.push(
      `width ${result.width} is not a multiple of heads ${result.heads}; using ${DEFAULT_SETTINGS.width} and ${DEFAULT_SETTINGS.heads}`,
    );
    result.width = DEFAULT_SETTINGS.width;
    result.heads = DEFAULT_SETTINGS.heads;
  }
  return { settings: result, problems };
}

/** The search part for `settings`: only what differs from the defaults, in a fixed order. */
export function settingsToSearch(settings: Settings): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(fields) as (keyof Settings)[]) {
    if (settings[key] !== DEFAULT_SETTINGS[key]) params.set(key, String(settings[key]));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** Why a width / heads pair cannot build a model, or null. */
export function shapeProblem(width: number, heads: number): string | null {
  return width % heads === 0 ? null : `width ${width} must be a multiple of heads ${heads}`;
}

/** The masked LM trained in the page (Fill-mask view). */
export interface MlmSettings {
  steps: number;
  batch: number;
  lr: number;
  seed: number;
}

/** `tensorlm train mlm`'s defaults on the grammar: 200 steps of 128 sentences at 5e-3. */
export const MLM_DEFAULTS: MlmSettings = { steps: 200, batch: 128, lr: 5e-3, seed: 0 };
