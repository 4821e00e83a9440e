// Repo ids, revisions and file names: the ones the Hub uses pass, anything that could
// leave the cache folder or is not a Hub name is refused with the reason.
import { describe, expect, it } from 'vitest';
import {
  checkRepoFile,
  checkRepoId,
  checkRevision,
  isCommitHash,
  repoFolderName,
  resolveUrl,
} from './names.js';

describe('checkRepoId', () => {
  it.each([
    'gpt2',
    'openai-community/gpt2',
    'bert-base-uncased',
    'google-bert/bert-base-uncased',
    'org/name',
    'a.b_c-d/E1',
  ])('accepts %s', (id) => expect(checkRepoId(id)).toBe(id));

  it.each([
    ['', /it is empty/],
    ['../etc/passwd', /a path/],
    ['org/..', /a path/],
    ['./gpt2', /a path/],
    ['/abs/gpt2', /a path/],
    ['org\\gpt2', /a path/],
    ['a/b/c', /at most one '\//],
    ['org/', /'' must be 1 to 96/],
    ['has space', /must be 1 to 96 of the characters/],
    ['org/na$me', /must be 1 to 96 of the characters/],
    ['gpt2%2F..', /must be 1 to 96 of the characters/],
    ['-org/name', /may not start or end/],
    ['org/name.', /may not start or end/],
    ['a--b/c', /'--' and '\.\.' are not allowed/],
    ['a/b..c', /'--' and '\.\.' are not allowed/],
    ['org/model.git', /'\.git'/],
    ['x'.repeat(97), /1 to 96/],
  ])('refuses %j by name', (id, why) => {
    expect(() => checkRepoId(id)).toThrow(why);
    expect(() => checkRepoId(id)).toThrow(/^invalid repo id/);
  });
});

describe('checkRevision and checkRepoFile', () => {
  it('accept branches, tags, PR refs, commits and nested repo files', () => {
    for (const rev of ['main', 'v1.0', 'refs/pr/3', 'a'.repeat(40)]) expect(checkRevision(rev)).toBe(rev);
    for (const file of ['config.json', 'onnx/model.onnx', 'model-00001-of-00002.safetensors'])
      expect(checkRepoFile(file)).toBe(file);
  });

  it('refuse what could escape refs/ or snapshots/<commit>/', () => {
    for (const rev of ['', '../main', 'refs/../../x', '/main', 'main/', 'ma in', 'a\\b'])
      expect(() => checkRevision(rev), rev).toThrow(/^invalid revision/);
    for (const file of ['', '../x', 'a/../../x', '/etc/passwd', 'a//b', 'C:\\x', 'a\\b', 'x\u0000y', './x'])
      expect(() => checkRepoFile(file), file).toThrow(/^invalid file name/);
  });
});

describe('cache and URL names', () => {
  it('names cache folders and resolve URLs as huggingface_hub does', () => {
    expect(repoFolderName('gpt2')).toBe('models--gpt2');
    expect(repoFolderName('openai-community/gpt2')).toBe('models--openai-community--gpt2');
    expect(resolveUrl('https://huggingface.co/', 'org/m', 'refs/pr/3', 'sub dir/config.json')).toBe(
      'https://huggingface.co/org/m/resolve/refs%2Fpr%2F3/sub%20dir/config.json',
    );
    expect(isCommitHash('a'.repeat(40))).toBe(true);
    expect(isCommitHash('A'.repeat(40))).toBe(false);
    expect(isCommitHash('main')).toBe(false);
  });
});
