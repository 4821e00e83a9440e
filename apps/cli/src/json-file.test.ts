import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { CommandFailure } from './errors.js';
import { fileError, readJsonFile } from './json-file.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tensorlm-json-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<CommandFailure> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CommandFailure);
  return error as CommandFailure;
}

const pointer = z.object({ checkpoint: z.string(), step: z.number().int() });

describe('readJsonFile', () => {
  it('parses and validates', async () => {
    const path = join(dir, 'best.json');
    await writeFile(path, '{"checkpoint": "checkpoint-10", "step": 10}');
    expect(await readJsonFile(path, pointer)).toEqual({ checkpoint: 'checkpoint-10', step: 10 });
    expect(await readJsonFile(path)).toEqual({ checkpoint: 'checkpoint-10', step: 10 });
  });

  it('names a missing file', async () => {
    const path = join(dir, 'nope.json');
    const error = await failure(readJsonFile(path, pointer, 'run pointer'));
    expect([error.code, error.message]).toEqual(['CLI_FILE_MISSING', `run pointer ${path} does not exist`]);
  });

  it('names the file and the line and column of a syntax error, not a character position', async () => {
    const path = join(dir, 'bad.json');
    // Line 3, column 3: the comma after "b" opens a key that never comes.
    await writeFile(path, '{\n  "a": 1,\n  "b": 2,\n}\n');
    const error = await failure(readJsonFile(path, undefined, 'task file'));
    expect(error.code).toBe('CLI_FILE_MALFORMED');
    expect(error.message).toMatch(
      new RegExp(`^task file ${path} is not valid JSON: .* \\(line 4, column 1\\)$`),
    );
    expect(error.message).not.toMatch(/position/);
  });

  it('says an empty or truncated file looks interrupted', async () => {
    const empty = join(dir, 'empty.json');
    await writeFile(empty, '');
    expect((await failure(readJsonFile(empty))).message).toBe(
      `file ${empty} is empty (was its writing interrupted?)`,
    );
    const cut = join(dir, 'cut.json');
    await writeFile(cut, '{"checkpoint": ');
    expect((await failure(readJsonFile(cut))).message).toMatch(
      /the file ends early: was its writing interrupted\?\)$/,
    );
  });

  it('names the field that does not match the schema', async () => {
    const path = join(dir, 'wrong.json');
    await writeFile(path, '{"checkpoint": 10, "step": 10}');
    const error = await failure(readJsonFile(path, pointer, 'run pointer'));
    expect(error.message).toMatch(
      new RegExp(`^run pointer ${path} is not what tensorlm wrote: checkpoint: `),
    );
  });

  it('maps file-system errors to messages naming the file', () => {
    const errno = (code: string) => Object.assign(new Error(`${code}: something`), { code });
    expect(fileError('/x/f', errno('EACCES'), '--file').message).toBe(
      'cannot read --file /x/f: permission denied',
    );
    expect(fileError('/x/f', errno('EISDIR')).message).toBe('file /x/f is a folder');
    expect(fileError('/x/f', errno('EIO')).message).toBe('cannot read file /x/f: EIO: something');
  });
});
