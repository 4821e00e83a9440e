// Paths to the committed fixtures (written by fixtures/make_fixtures.py with PyTorch) and a
// reader that counts what it reads, for the tests of src/formats/torch.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bytesReader, type RandomAccessReader } from '../src/formats/torch/random-access.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

/** Absolute path of a file under packages/hub-loader/fixtures. */
export function fixturePath(relative: string): string {
  return FIXTURES + relative;
}

export function fixtureBytes(relative: string): Uint8Array {
  return new Uint8Array(readFileSync(fixturePath(relative)));
}

export function fixtureJSON<T = unknown>(relative: string): T {
  return JSON.parse(readFileSync(fixturePath(relative), 'utf8')) as T;
}

/** An in-memory reader over a fixture that tallies the bytes handed out. */
export function countingReader(relative: string): RandomAccessReader & { bytesRead: number } {
  const inner = bytesReader(fixtureBytes(relative), relative);
  const counting = {
    name: inner.name,
    size: inner.size,
    fresh: inner.fresh,
    bytesRead: 0,
    read: async (offset: number, length: number) => {
      counting.bytesRead += length;
      return inner.read(offset, length);
    },
    close: () => inner.close(),
  };
  return counting;
}
