// The registry and loaders: a third-party kind, paths, directories, JSON and errors.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hasSharedData, SHARED_DATA } from '../../test/shared-data.js';
import { BaseTokenizer } from '../core/base.js';
import type { ExplainPart, TokenizerJSON } from '../core/types.js';
import { bertBaseUncased, gpt2 } from '../pretrained/pretrained.js';
import { loadTokenizer, saveTokenizer } from './load.js';
import { listTokenizerKinds, registerTokenizer, tokenizerFromJSON, unregisterTokenizer } from './registry.js';

/** A third party's tokenizer, written against the public BaseTokenizer: UTF-8 bytes as ids. */
class ByteTokenizer extends BaseTokenizer {
  readonly kind = 'test-bytes';
  constructor() {
    super({
      tokens: [...Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16)}>`), '<eos>'],
      specialTokens: { eos: '<eos>' },
    });
  }
  static fromJSON(json: TokenizerJSON): ByteTokenizer {
    if (json.kind !== 'test-bytes') throw new Error('not mine');
    return new ByteTokenizer();
  }
  toJSON(): TokenizerJSON {
    return { kind: 'test-bytes' };
  }
  protected encodeOrdinary(text: string, out: number[]): void {
    for (const byte of new TextEncoder().encode(text)) out.push(byte);
  }
  protected decodeValid(ids: ArrayLike<number>): string {
    return new TextDecoder().decode(Uint8Array.from(Array.from(ids).filter((id) => id < 256)));
  }
  protected explainOrdinary(text: string): { normalized: string; parts: ExplainPart[] } {
    const ids: number[] = [];
    this.encodeOrdinary(text, ids);
    return {
      normalized: text,
      parts: [{ text, special: false, initial: [text], steps: [], tokens: [], ids }],
    };
  }
}

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'tensorlm-tok-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('tokenizer registry', () => {
  it('lists the built-in kinds', () => {
    expect(listTokenizerKinds()).toEqual(expect.arrayContaining(['char', 'word', 'bpe', 'wordpiece']));
  });

  it('lets a third party add a kind that loadTokenizer then dispatches to', async () => {
    registerTokenizer('test-bytes', (json) => ByteTokenizer.fromJSON(json));
    try {
      const tok = new ByteTokenizer();
      const dir = tempDir();
      await saveTokenizer(tok, join(dir, 'bytes.json'));
      const loaded = await loadTokenizer(join(dir, 'bytes.json'));
      expect(loaded).toBeInstanceOf(ByteTokenizer);
      expect(loaded.encode('hé<eos>')).toEqual([104, 195, 169, 256]);
      expect(loaded.decode(loaded.encode('hé'))).toBe('hé');
      expect(() => registerTokenizer('test-bytes', () => tok)).toThrow(/already registered/);
      registerTokenizer('test-bytes', () => tok, { replace: true });
      expect(await loadTokenizer({ kind: 'test-bytes' })).toBe(tok);
    } finally {
      unregisterTokenizer('test-bytes');
    }
    await expect(loadTokenizer({ kind: 'test-bytes' })).rejects.toThrow(
      /unknown tokenizer kind "test-bytes"/,
    );
  });

  it('loads from a JSON object, a JSON string and a file URL', async () => {
    const bert = await bertBaseUncased();
    const json = bert.toJSON();
    expect((await loadTokenizer(json)).encode('Hello there')).toEqual(bert.encode('Hello there'));
    expect((await loadTokenizer(JSON.stringify(json))).encode('Hello')).toEqual(bert.encode('Hello'));
    const dir = tempDir();
    await saveTokenizer(bert, join(dir, 'bert.json'));
    const fromUrl = await loadTokenizer(pathToFileURL(join(dir, 'bert.json')));
    expect(fromUrl.kind).toBe('wordpiece');
  });

  it('finds vocab.json + merges.txt, or vocab.txt, in a directory', async () => {
    const gpt = await gpt2();
    const bpeDir = tempDir();
    copyFileSync(new URL('../../assets/gpt2/encoder.json', import.meta.url), join(bpeDir, 'vocab.json'));
    copyFileSync(new URL('../../assets/gpt2/vocab.bpe', import.meta.url), join(bpeDir, 'merges.txt'));
    const fromDir = await loadTokenizer(bpeDir);
    expect((await loadTokenizer(join(bpeDir, 'merges.txt'))).encode('Hi there')).toEqual(
      gpt.encode('Hi there'),
    );
    expect(fromDir.kind).toBe('bpe');
    expect(fromDir.eosTokenId).toBe(50256);
    expect(fromDir.encode('Hello world<|endoftext|>')).toEqual(gpt.encode('Hello world<|endoftext|>'));

    const wpDir = tempDir();
    copyFileSync(
      new URL('../../assets/bert-base-uncased/vocab.txt', import.meta.url),
      join(wpDir, 'vocab.txt'),
    );
    writeFileSync(join(wpDir, 'tokenizer_config.json'), JSON.stringify({ do_lower_case: false }));
    const cased = await loadTokenizer(wpDir);
    expect(cased.kind).toBe('wordpiece');
    expect(cased.tokenize('Hello')).not.toEqual(['hello']);
  });

  it.skipIf(!hasSharedData)('loads a Hugging Face tokenizer.json directory', async () => {
    const bert = await bertBaseUncased();
    const tok = await loadTokenizer(join(SHARED_DATA, 'bert-mini-noweights'));
    expect(tok.kind).toBe('wordpiece');
    expect(tok.maskTokenId).toBe(103);
    expect(tok.encode("Hello I'm a [MASK] model.")).toEqual(bert.encode("Hello I'm a [MASK] model."));
  });

  it('names what it could not find or read', async () => {
    await expect(loadTokenizer(join(tmpdir(), 'no-such-tokenizer-here'))).rejects.toThrow(/no such file/);
    await expect(loadTokenizer(tempDir())).rejects.toThrow(/found none of tokenizer.json/);
    await expect(loadTokenizer({ vocab: [] })).rejects.toThrow(/no "kind"/);
    const lonely = tempDir();
    writeFileSync(join(lonely, 'vocab.json'), '{"a": 0}');
    await expect(loadTokenizer(lonely)).rejects.toThrow(
      /vocab\.json: a BPE vocabulary needs merges\.txt beside it/,
    );
    writeFileSync(
      join(lonely, 'broken.json'),
      JSON.stringify({ kind: 'bpe', version: 1, vocab: {}, merges: 7 }),
    );
    await expect(loadTokenizer(join(lonely, 'broken.json'))).rejects.toThrow(
      /broken\.json: invalid .*: merges: /,
    );
    expect(() => tokenizerFromJSON({ kind: 'nope' })).toThrow(
      /unknown tokenizer kind "nope"; registered: char/,
    );
  });
});
