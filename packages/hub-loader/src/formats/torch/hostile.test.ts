// Every hostile file of fixtures/torch/hostile (made by make_fixtures.py; torch.load with
// weights_only=True refuses them too, except the oversized storage, which torch 1.13 let
// through) is refused when opened from disk, with its own code and a message naming the
// file and the culprit — and refused at the parse, so nothing the file names ever runs.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/torch-fixtures.js';
import { TorchFormatError } from './errors.js';
import { openTorchSource } from './torch-source.node.js';

const CASES: [file: string, code: string, message: RegExp][] = [
  ['os-system.bin', 'TORCH_FORBIDDEN_GLOBAL', /refusing global 'os\.system' at byte 2 of archive\/data\.pkl/],
  ['posix-system.bin', 'TORCH_FORBIDDEN_GLOBAL', /refusing global 'posix\.system'/],
  ['builtins-eval.bin', 'TORCH_FORBIDDEN_GLOBAL', /refusing global 'builtins\.eval'/],
  ['subprocess-popen.bin', 'TORCH_FORBIDDEN_GLOBAL', /refusing global 'subprocess\.Popen'/],
  ['os-system-stack-global.bin', 'TORCH_FORBIDDEN_GLOBAL', /refusing global 'os\.system' at byte 16/],
  ['torch-load-global.bin', 'TORCH_FORBIDDEN_GLOBAL', /refusing global 'torch\.load'/],
  ['opcode-inst.bin', 'TORCH_FORBIDDEN_OPCODE', /refusing pickle opcode INST \(0x69\)/],
  [
    'opcode-unknown.bin',
    'TORCH_UNKNOWN_OPCODE',
    /byte 0xff at byte 2 of archive\/data\.pkl is not a pickle opcode/,
  ],
  [
    'storage-larger-than-entry.bin',
    'TORCH_ARCHIVE_INVALID',
    /storage '0' of tensor 'w' declares 100 FloatStorage elements \(400 bytes\) but its entry archive\/data\/0 holds 16 bytes/,
  ],
  [
    'tensor-past-storage.bin',
    'TORCH_TENSOR_INVALID',
    /tensor 'w' \(shape \[4\], stride \[1\], offset 2\) reaches element 5 of a storage of 4/,
  ],
  [
    'storage-missing.bin',
    'TORCH_ARCHIVE_INVALID',
    /tensor 'w' uses storage '7', but the archive has no entry archive\/data\/7/,
  ],
  ['zip-parent-path.bin', 'TORCH_ARCHIVE_INVALID', /entry '\.\.\/x' points outside the archive/],
  ['zip-absolute-path.bin', 'TORCH_ARCHIVE_INVALID', /entry '\/tmp\/x' points outside the archive/],
  [
    'zip-entry-past-end.bin',
    'TORCH_ARCHIVE_INVALID',
    /entry 'archive\/data\/0' declares 1073741824 bytes .* past the end/,
  ],
  ['not-a-zip.bin', 'TORCH_ARCHIVE_INVALID', /not a PyTorch checkpoint/],
];

describe('hostile pytorch_model.bin files', () => {
  it.each(CASES)('%s is refused (%s)', async (file, code, message) => {
    const path = fixturePath(`torch/hostile/${file}`);
    const error = await openTorchSource(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TorchFormatError);
    expect((error as TorchFormatError).code).toBe(code);
    expect((error as TorchFormatError).message.startsWith(`${path}: `)).toBe(true);
    expect((error as TorchFormatError).message).toMatch(message);
  });

  it('ran nothing: the command the pickles carry left no trace', () => {
    // Every code-running pickle above asks for `touch /tmp/tensorlm-pwned`.
    expect(existsSync('/tmp/tensorlm-pwned')).toBe(false);
  });
});
