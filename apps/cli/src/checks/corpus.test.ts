import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandFailure } from '../errors.js';
import { firstInvalidUtf8, readTextCorpus } from './corpus.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-corpus-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function refusal(path: string): Promise<CommandFailure> {
  const error = await readTextCorpus(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CommandFailure);
  return error as CommandFailure;
}

describe('readTextCorpus', () => {
  it('reads UTF-8 text, multi-byte characters and a leading BOM included', async () => {
    const path = await file('ok.txt', '\uFEFFI had always thought Jack Gisburn — naïve, 你好, 🙂\n');
    expect(await readTextCorpus(path)).toBe('I had always thought Jack Gisburn — naïve, 你好, 🙂\n');
  });

  it('refuses a missing file and a folder, naming them', async () => {
    const missing = join(dir, 'nope.txt');
    expect((await refusal(missing)).message).toBe(`--file ${missing} does not exist`);
    expect((await refusal(dir)).message).toBe(`--file ${dir} is a folder; give a text file`);
  });

  it('refuses an empty file and one of white space only', async () => {
    expect((await refusal(await file('empty.txt', ''))).message).toMatch(/empty\.txt is empty$/);
    expect((await refusal(await file('blank.txt', ' \n\t\n'))).message).toMatch(
      /blank\.txt holds only white space$/,
    );
  });

  it('refuses a binary: /bin/ls and an ELF-like file', async () => {
    // An ELF header: 0x7f 'E' 'L' 'F', class, data, version, then NULs and high bytes.
    const elf = Uint8Array.from([
      0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0, 0xf0, 0x9f, 0x00,
    ]);
    const error = await refusal(await file('program', elf));
    expect(error.code).toBe('CLI_CORPUS_NOT_TEXT');
    expect(error.message).toMatch(
      /program is not text: it is binary data, not UTF-8 \(byte 0xf0 at line 1, byte 21 of the line\)$/,
    );
    expect((await refusal('/bin/ls')).message).toMatch(
      /^--file \/bin\/ls is not text: it is binary data, not UTF-8/,
    );
  });

  it('refuses Latin-1 text, saying where and how to convert', async () => {
    // "café" in Latin-1: é is the lone byte 0xe9, on the second line.
    const bytes = Uint8Array.from([...Buffer.from('first line\nun caf'), 0xe9, ...Buffer.from(' noir\n')]);
    const error = await refusal(await file('latin1.txt', bytes));
    expect(error.message).toMatch(
      /latin1\.txt is not UTF-8 text \(byte 0xe9 at line 2, byte 7 of the line\); if it is Latin-1 or Windows-1252, convert it: iconv -f latin1 -t utf-8$/,
    );
  });

  it('refuses UTF-16 (by its byte-order mark, or as valid UTF-8 full of NULs)', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello world', 'utf16le')]);
    expect((await refusal(await file('bom16.txt', utf16))).message).toMatch(
      /bom16\.txt is UTF-16 text; tensorlm reads UTF-8/,
    );
    // Without a BOM, ASCII in UTF-16LE is valid UTF-8 — half of it NUL.
    const noBom = Buffer.from('hello world, hello world', 'utf16le');
    expect((await refusal(await file('nobom16.txt', noBom))).message).toMatch(
      /nobom16\.txt is not text: 24 of its 48 bytes are NUL \(binary data or UTF-16\)$/,
    );
  });

  it('tolerates a stray NUL in a long text', async () => {
    const text = `${'word '.repeat(1000)}\0${'word '.repeat(1000)}`;
    expect(await readTextCorpus(await file('stray.txt', text))).toBe(text);
  });
});

describe('firstInvalidUtf8', () => {
  const at = (bytes: number[]) => firstInvalidUtf8(Uint8Array.from(bytes));
  it('finds the first byte that breaks UTF-8, as the Unicode standard defines it', () => {
    expect(at([0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x99, 0x82])).toBe(-1); // a é € 🙂
    expect(at([0x61, 0x80])).toBe(1); // a lone continuation byte
    expect(at([0xc0, 0xaf])).toBe(0); // an overlong '/'
    expect(at([0x61, 0xe2, 0x82])).toBe(1); // truncated at the end
    expect(at([0xed, 0xa0, 0x80])).toBe(0); // a UTF-16 surrogate (U+D800)
    expect(at([0xf4, 0x90, 0x80, 0x80])).toBe(0); // above U+10FFFF
    expect(at([0xff])).toBe(0);
  });
});
