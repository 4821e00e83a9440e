// The binding-window arithmetic against windows computed by hand: each window fits one
// binding, starts at an aligned byte offset in every buffer, and together they cover
// the tensor exactly once.
import { describe, expect, it } from 'vitest';
import {
  elementRanges,
  forEachRange,
  forEachRowGroupWindow,
  planBoxes,
  spanOf,
  usableElements,
} from './binding-windows.js';
import { WebGPUError } from './errors.js';
import type { BufferWindow } from './runtime.js';

const KIB_256 = { maxBindingBytes: 1024, offsetAlignment: 256 }; // 256 elements, aligned to 64
const KIB_16 = { maxBindingBytes: 1024, offsetAlignment: 16 }; // 256 elements, aligned to 4

describe('elementRanges', () => {
  it('keeps a tensor that fits one binding whole, up to exactly the limit', () => {
    expect(elementRanges(0, KIB_256)).toEqual([[0, 0]]);
    expect(elementRanges(256, KIB_256)).toEqual([[0, 256]]);
  });

  it('cuts a larger one into aligned chunks of the largest aligned size that fits', () => {
    expect(elementRanges(1000, KIB_256)).toEqual([
      [0, 256],
      [256, 256],
      [512, 256],
      [768, 232],
    ]);
    // 1000 bytes hold 250 elements; the largest multiple of 64 below is 192.
    expect(elementRanges(400, { maxBindingBytes: 1000, offsetAlignment: 256 })).toEqual([
      [0, 192],
      [192, 192],
      [384, 16],
    ]);
  });

  it('refuses a binding smaller than one aligned block', () => {
    expect(() => elementRanges(100, { maxBindingBytes: 128, offsetAlignment: 256 })).toThrow(WebGPUError);
  });
});

describe('planBoxes', () => {
  it('keeps the whole space when every operand fits', () => {
    expect(planBoxes([10, 20], [{ strides: [20, 1] }], 256)).toEqual([{ start: [0, 0], shape: [10, 20] }]);
  });

  it('cuts a row-major operand into runs of whole rows, evenly', () => {
    // [40, 30] row-major: ⌊(256 − 30) / 30⌋ + 1 = 8 rows fit, so 5 boxes of 8.
    const boxes = planBoxes([40, 30], [{ strides: [30, 1] }], 256);
    expect(boxes).toHaveLength(5);
    expect(boxes[4]).toEqual({ start: [32, 0], shape: [8, 30] });
  });

  it('cuts a transposed operand into column blocks, and rows too when a column block is too tall', () => {
    // Output [30, 40] of a transposed [40, 30] source: the source's stride 30 runs along
    // the output's columns; 256 elements hold ⌊(256 − 30) / 30⌋ + 1 = 8 columns of 30 rows.
    const boxes = planBoxes([30, 40], [{ strides: [1, 30] }, { strides: [40, 1] }], 256);
    for (const box of boxes) {
      expect((box.shape[0]! - 1) * 1 + (box.shape[1]! - 1) * 30 + 1).toBeLessThanOrEqual(256);
      expect((box.shape[0]! - 1) * 40 + box.shape[1]!).toBeLessThanOrEqual(256);
    }
    // Together the boxes cover every index exactly once.
    const seen = new Uint8Array(30 * 40);
    for (const box of boxes)
      for (let i = 0; i < box.shape[0]!; i++)
        for (let j = 0; j < box.shape[1]!; j++) seen[(box.start[0]! + i) * 40 + box.start[1]! + j]!++;
    expect(seen.every((n) => n === 1)).toBe(true);
  });

  it('counts a tail past the walk (a reduced axis) and respects caps', () => {
    // Each box also spans 99 more elements: ⌊(256 − 100) / 100⌋ + 1 = 2 outer rows.
    expect(planBoxes([6], [{ strides: [100], tail: 99 }], 256)).toHaveLength(3);
    expect(planBoxes([10, 4], [], 256, [3])).toHaveLength(4);
  });
});

describe('spanOf', () => {
  const big = { size: 4096 } as unknown as GPUBuffer;
  const small = { size: 1024 } as unknown as GPUBuffer;

  it('binds a buffer that fits whole, with the start as base', () => {
    expect(spanOf(small, 37, 100, KIB_256)).toEqual({ binding: small, base: 37 });
  });

  it('starts a window at the aligned offset below the first element', () => {
    // 256-byte offsets: element 100 lies 36 elements past the aligned element 64.
    expect(spanOf(big, 100, 150, KIB_256)).toEqual({
      binding: { buffer: big, offset: 256, size: 186 * 4 },
      base: 36,
    });
    expect(usableElements(KIB_256)).toBe(256 - 63);
    expect(() => spanOf(big, 100, 250, KIB_256)).toThrow(WebGPUError);
  });
});

describe('forEachRowGroupWindow', () => {
  const x = { size: 8000 } as unknown as GPUBuffer;
  const stats = { size: 8000 } as unknown as GPUBuffer;

  it('binds each group alike per window of whole rows, with one base per group', () => {
    const calls: [number, number, number[], BufferWindow[]][] = [];
    forEachRowGroupWindow(
      70,
      [
        { buffers: [x], rowLength: 25 },
        { buffers: [stats], rowLength: 1 },
      ],
      KIB_16,
      (start, count, bound) =>
        calls.push([start, count, bound.map((b) => b.base), bound.map((b) => b.bindings[0] as BufferWindow)]),
    );
    // ⌊(256 − 3) / 25⌋ = 10 rows per window: 7 windows of 10.
    expect(calls).toHaveLength(7);
    const [start, count, bases, windows] = calls[1]!;
    expect([start, count]).toEqual([10, 10]);
    // Row 10 starts at element 250, 2 past the aligned 248; its stat at 10, 2 past 8.
    expect(bases).toEqual([2, 2]);
    expect(windows).toEqual([
      { buffer: x, offset: 248 * 4, size: 252 * 4 },
      { buffer: stats, offset: 8 * 4, size: 12 * 4 },
    ]);
  });

  it('runs a loop-limited kernel in windows of at most maxRows rows', () => {
    const counts: number[] = [];
    forEachRowGroupWindow(10, [{ buffers: [], rowLength: 1 }], KIB_16, (_, count) => counts.push(count), 4);
    // ⌈10 / 4⌉ = 3 windows of ⌈10 / 3⌉ = 4 rows.
    expect(counts).toEqual([4, 4, 2]);
  });
});

describe('forEachRange', () => {
  const a = { label: 'a' } as unknown as GPUBuffer;
  const b = { label: 'b' } as unknown as GPUBuffer;

  it('binds whole buffers when one range suffices', () => {
    const calls: unknown[] = [];
    forEachRange(256, [a, b], KIB_256, (bound, count, start) => calls.push([bound, count, start]));
    expect(calls).toEqual([[[a, b], 256, 0]]);
  });

  it('binds the same byte window of every buffer per range', () => {
    const calls: [readonly BufferWindow[], number, number][] = [];
    forEachRange(300, [a, b], KIB_256, (bound, count, start) =>
      calls.push([bound as BufferWindow[], count, start]),
    );
    expect(calls.map(([, count, start]) => [start, count])).toEqual([
      [0, 256],
      [256, 44],
    ]);
    expect(calls[1]![0]).toEqual([
      { buffer: a, offset: 1024, size: 176 },
      { buffer: b, offset: 1024, size: 176 },
    ]);
  });
});
