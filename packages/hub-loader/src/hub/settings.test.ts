// The environment read as huggingface_hub reads it (constants.py), from explicit env
// records so the test does not depend on the machine's own variables.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  hfHome,
  hubCacheDir,
  hubEndpoint,
  hubOffline,
  hubSymlinksDisabled,
  hubToken,
} from './settings.node.js';

describe('hub settings', () => {
  it('finds the cache: HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME, then ~/.cache', () => {
    expect(hubCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' })).toBe('/c');
    expect(hubCacheDir({ HUGGINGFACE_HUB_CACHE: '/legacy' })).toBe('/legacy');
    expect(hubCacheDir({ HF_HOME: '/h' })).toBe('/h/hub');
    expect(hubCacheDir({ HF_HOME: '~/hf' })).toBe(join(homedir(), 'hf', 'hub'));
    expect(hubCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/huggingface/hub');
    expect(hubCacheDir({})).toBe(join(homedir(), '.cache', 'huggingface', 'hub'));
    expect(hfHome({})).toBe(join(homedir(), '.cache', 'huggingface'));
  });

  it('reads the endpoint, offline mode and the symlink switch', () => {
    expect(hubEndpoint({})).toBe('https://huggingface.co');
    expect(hubEndpoint({ HF_ENDPOINT: 'http://mirror.local:8080/' })).toBe('http://mirror.local:8080');
    for (const value of ['1', 'ON', 'yes', 'true']) expect(hubOffline({ HF_HUB_OFFLINE: value })).toBe(true);
    for (const value of ['0', 'false', '', undefined])
      expect(hubOffline({ HF_HUB_OFFLINE: value })).toBe(false);
    expect(hubOffline({ TRANSFORMERS_OFFLINE: '1' })).toBe(true);
    expect(hubSymlinksDisabled({ HF_HUB_DISABLE_SYMLINKS: '1' })).toBe(true);
    expect(hubSymlinksDisabled({})).toBe(false);
  });

  it('takes the token from HF_TOKEN, then the legacy variable, then the saved login', async () => {
    const home = await mkdtemp(join(tmpdir(), 'tensorlm-hfhome-'));
    try {
      expect(hubToken({ HF_HOME: home })).toBeUndefined();
      await writeFile(join(home, 'token'), 'hf_saved\n');
      expect(hubToken({ HF_HOME: home })).toBe('hf_saved');
      expect(hubToken({ HF_HOME: home, HUGGING_FACE_HUB_TOKEN: 'hf_legacy' })).toBe('hf_legacy');
      expect(hubToken({ HF_HOME: home, HF_TOKEN: 'hf_env' })).toBe('hf_env');
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
