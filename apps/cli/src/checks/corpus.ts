// The text corpus of `train text --file F`, read only when it is text: a missing or
// unreadable path, a folder, an empty file, a file too large to hold as one string,
// bytes that are not UTF-8 (a Latin-1 file, a binary such as /bin/ls) and UTF-8 that is
// mostly NUL bytes (UTF-16 text, a disk image) are refused with a message naming the file
// and what is wrong — training on such bytes "works" and teaches the model noise.
import { constants } from 'node:buffer';
import { readFile, stat } from 'node:fs/promises';
import { CommandFailure } from '../errors.js';
import { fileError } from '../json-file.js';

export const CORPUS_ERRORS = {
  notText: 'CLI_CORPUS_NOT_TEXT',
  empty: 'CLI_CORPUS_EMPTY',
  tooLarge: 'CLI_CORPUS_TOO_LARGE',
} as const;

/** More NUL bytes than this share is not text (one stray NUL in a big file is tolerated). */
export const MAX_NUL_SHARE = 0.001;

/** Offset of the first byte that breaks UTF-8, or -1 (TextDecoder says whether, not where). */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

function position(bytes: Uint8Array, offset: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      lineStart = i + 1;
    }
  }
  return `line ${line}, byte ${offset - lineStart + 1} of the line`;
}

/** The bytes of `path` as text, or a CommandFailure saying why they are not text. */
export function decodeCorpus(path: string, bytes: Uint8Array): string {
  if (bytes.length === 0) throw new CommandFailure(CORPUS_ERRORS.empty, `--file ${path} is empty`);
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    throw new CommandFailure(
      CORPUS_ERRORS.notText,
      `--file ${path} is UTF-16 text; tensorlm reads UTF-8 (convert it: iconv -f utf-16 -t utf-8)`,
    );
  let nuls = 0;
  for (const b of bytes) if (b === 0) nuls++;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const where =
      at >= 0 ? ` (byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at ${position(bytes, at)})` : '';
    throw new CommandFailure(
      CORPUS_ERRORS.notText,
      nuls > 0
        ? `--file ${path} is not text: it is binary data, not UTF-8${where}`
        : `--file ${path} is not UTF-8 text${where}; if it is Latin-1 or Windows-1252, convert it: iconv -f latin1 -t utf-8`,
    );
  }
  if (nuls > Math.max(1, bytes.length * MAX_NUL_SHARE))
    throw new CommandFailure(
      CORPUS_ERRORS.notText,
      `--file ${path} is not text: ${nuls.toLocaleString('en-US')} of its ${bytes.length.toLocaleString('en-US')} bytes are NUL (binary data or UTF-16)`,
    );
  if (text.trim().length === 0)
    throw new CommandFailure(CORPUS_ERRORS.empty, `--file ${path} holds only white space`);
  return text;
}

/** Reads a text corpus for training, refusing anything that is not UTF-8 text. */
export async function readTextCorpus(path: string): Promise<string> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory())
      throw new CommandFailure('CLI_FILE_UNREADABLE', `--file ${path} is a folder; give a text file`);
    if (!info.isFile())
      throw new CommandFailure('CLI_FILE_UNREADABLE', `--file ${path} is not a regular file`);
    size = info.size;
  } catch (error) {
    if (error instanceof CommandFailure) throw error;
    throw fileError(path, error, '--file');
  }
  // V8 holds a string of at most MAX_STRING_LENGTH UTF-16 units; UTF-8 needs ≥ 1 byte each.
  if (size > constants.MAX_STRING_LENGTH)
    throw new CommandFailure(
      CORPUS_ERRORS.tooLarge,
      `--file ${path} is ${(size / 2 ** 30).toFixed(1)} GiB, more than one string can hold ` +
        `(${(constants.MAX_STRING_LENGTH / 2 ** 30).toFixed(1)} GiB); split it or pre-tokenize it`,
    );
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw fileError(path, error, '--file');
  }
  return decodeCorpus(path, bytes);
}
