// Where the Hub and its cache are, read from the environment exactly as Python's
// huggingface_hub reads it, so both find the same files: HF_HUB_CACHE (legacy
// HUGGINGFACE_HUB_CACHE) else HF_HOME/hub else $XDG_CACHE_HOME/huggingface/hub else
// ~/.cache/huggingface/hub; HF_ENDPOINT; HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE);
// HF_TOKEN (legacy HUGGING_FACE_HUB_TOKEN) else the token file `huggingface-cli login`
// writes (HF_TOKEN_PATH, default HF_HOME/token); HF_HUB_DISABLE_SYMLINKS. Explicit options
// always win.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

// huggingface_hub's ENV_VARS_TRUE_VALUES.
const TRUE_VALUES = new Set(['1', 'ON', 'YES', 'TRUE']);

function set(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path;
}

/** HF_HOME, default `$XDG_CACHE_HOME/huggingface` or `~/.cache/huggingface`. */
export function hfHome(env: Env = process.env): string {
  if (set(env.HF_HOME)) return expandHome(env.HF_HOME);
  const cache = set(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(expandHome(cache), 'huggingface');
}

/** The hub cache folder that holds `models--ORG--NAME` folders. */
export function hubCacheDir(env: Env = process.env): string {
  if (set(env.HF_HUB_CACHE)) return expandHome(env.HF_HUB_CACHE);
  if (set(env.HUGGINGFACE_HUB_CACHE)) return expandHome(env.HUGGINGFACE_HUB_CACHE);
  return join(hfHome(env), 'hub');
}

/** The Hub's base URL, without a trailing slash. */
export function hubEndpoint(env: Env = process.env): string {
  return (set(env.HF_ENDPOINT) ? env.HF_ENDPOINT : DEFAULT_ENDPOINT).replace(/\/+$/, '');
}

/** Whether HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) forbids network access. */
export function hubOffline(env: Env = process.env): boolean {
  const value = set(env.HF_HUB_OFFLINE) ? env.HF_HUB_OFFLINE : env.TRANSFORMERS_OFFLINE;
  return value !== undefined && TRUE_VALUES.has(value.trim().toUpperCase());
}

/** Whether HF_HUB_DISABLE_SYMLINKS asks for copies in snapshots instead of symlinks. */
export function hubSymlinksDisabled(env: Env = process.env): boolean {
  return TRUE_VALUES.has((env.HF_HUB_DISABLE_SYMLINKS ?? '').trim().toUpperCase());
}

/** The access token: HF_TOKEN, HUGGING_FACE_HUB_TOKEN, else the saved login token, else none. */
export function hubToken(env: Env = process.env): string | undefined {
  for (const name of ['HF_TOKEN', 'HUGGING_FACE_HUB_TOKEN'] as const) {
    const token = env[name]?.trim();
    if (token) return token;
  }
  const path = set(env.HF_TOKEN_PATH) ? expandHome(env.HF_TOKEN_PATH) : join(hfHome(env), 'token');
  try {
    return readFileSync(path, 'utf8').trim() || undefined;
  } catch {
    return undefined; // no saved login: anonymous requests
  }
}
