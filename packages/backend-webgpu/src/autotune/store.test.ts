// The autotune cache: its format read entry by entry, the JSON file written atomically
// beside other adapters' entries, a file of another format left untouched, and the
// memory store.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { memoryTuneStore, parseTuneFile } from './store.js';
import { defaultTuneFile, fileTuneStore } from './store.node.js';

const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tensorlm-autotune-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the autotune file format', () => {
  it('keeps string entries and drops the rest', () => {
    const file = parseTuneFile(
      JSON.stringify({ version: 1, adapters: { gpu: { 'NN:m10:n10:k10': 'L', bad: 3 }, junk: 'x' } }),
    );
    expect(file).toEqual({ version: 1, adapters: { gpu: { 'NN:m10:n10:k10': 'L' } } });
  });

  it('is null for another version, another shape or not JSON', () => {
    expect(parseTuneFile(JSON.stringify({ version: 2, adapters: {} }))).toBeNull();
    expect(parseTuneFile('[1, 2]')).toBeNull();
    expect(parseTuneFile('{"version": 1')).toBeNull();
  });
});

describe('the file store', () => {
  it('lives under XDG_CACHE_HOME, or where TENSORLM_WEBGPU_AUTOTUNE_FILE says', () => {
    expect(defaultTuneFile({ XDG_CACHE_HOME: '/c' })).toBe('/c/tensorlm/webgpu-autotune.json');
    expect(defaultTuneFile({ TENSORLM_WEBGPU_AUTOTUNE_FILE: '/x/t.json', XDG_CACHE_HOME: '/c' })).toBe(
      '/x/t.json',
    );
  });

  it('saves per adapter, keeps the others, creates its folder and leaves no temporary file', () => {
    const dir = scratch();
    const path = join(dir, 'sub', 'webgpu-autotune.json');
    const store = fileTuneStore(path);
    expect(store.load('gpu-a')).toEqual({});
    store.save('gpu-a', { 'NN:m10:n10:k10': 'L' });
    store.save('gpu-b', { 'NT:m8:n8:k6': 'S' });
    store.save('gpu-a', { 'NN:m10:n10:k10': '16x16r8v2d8' });
    expect(fileTuneStore(path).load('gpu-a')).toEqual({ 'NN:m10:n10:k10': '16x16r8v2d8' });
    expect(fileTuneStore(path).load('gpu-b')).toEqual({ 'NT:m8:n8:k6': 'S' });
    expect(readdirSync(join(dir, 'sub'))).toEqual(['webgpu-autotune.json']);
  });

  it('never overwrites a file that is not its format', () => {
    const path = join(scratch(), 'webgpu-autotune.json');
    writeFileSync(path, 'not ours');
    const store = fileTuneStore(path);
    expect(store.load('gpu')).toEqual({});
    store.save('gpu', { 'NN:m5:n5:k5': 'S' });
    expect(readFileSync(path, 'utf8')).toBe('not ours');
  });
});

describe('the memory store', () => {
  it('returns copies of what was saved', () => {
    const store = memoryTuneStore();
    const entries = { a: 'L' };
    store.save('gpu', entries);
    entries.a = 'S';
    expect(store.load('gpu')).toEqual({ a: 'L' });
    expect(store.load('other')).toEqual({});
  });
});
