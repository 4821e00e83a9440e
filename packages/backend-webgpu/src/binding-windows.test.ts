// The binding-window arithmetic against windows computed by hand: each window fits one
// binding, starts at an aligned byte offset in every buffer, and together they cover
// the tensor exactly once.
import { describe, expect, it } from 'vitest';
import {
  elementRanges,
  forEachRange,
  forEachRowWindow,
  indexRowWindows,
  rowWindows,
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

describe('rowWindows', () => {
  it('takes every row at once when the longest rows fit', () => {
    expect(rowWindows(25, [10, 6], KIB_16)).toEqual([{ start: 0, count: 25 }]);
  });

  it('splits a 301 × 7 table into nine windows of 36 rows (36 · 7 · 4 = 1008 bytes, 16-aligned)', () => {
    const windows = rowWindows(301, [7], KIB_16);
    expect(windows).toHaveLength(9);
    expect(windows[0]).toEqual({ start: 0, count: 36 });
    expect(windows[8]).toEqual({ start: 288, count: 13 });
  });

  it('aligns windows in every buffer at once (rows of 6 and of 10 with 32-byte offsets)', () => {
    // A window must be a multiple of 4 rows in both (8 / gcd(6, 8) = 8 / gcd(10, 8) = 4);
    // ⌊256 / 10⌋ = 25 rows fit, so 24.
    expect(rowWindows(60, [6, 10], { maxBindingBytes: 1024, offsetAlignment: 32 })).toEqual([
      { start: 0, count: 24 },
      { start: 24, count: 24 },
      { start: 48, count: 12 },
    ]);
  });

  it('refuses rows too long for any aligned window, naming the code', () => {
    // Rows of 200 allow one row per window, but alignment needs multiples of 8 rows.
    expect(() => rowWindows(10, [24, 200], KIB_256)).toThrow(/rows of 200 elements are too long/);
    const error = (() => {
      try {
        rowWindows(10, [300], KIB_16);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(WebGPUError);
    expect((error as WebGPUError).code).toBe('WEBGPU_BINDING_LIMIT');
  });
});

describe('indexRowWindows', () => {
  it('splits only an unbatched layout', () => {
    expect(indexRowWindows({ outer: 1, size: 301, inner: 7 }, KIB_16)).toHaveLength(9);
    expect(indexRowWindows({ outer: 2, size: 301, inner: 7 }, KIB_16)).toEqual([{ start: 0, count: 301 }]);
  });
});

describe('forEachRange and forEachRowWindow', () => {
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

  it('binds row windows of the big side, with the rows each one holds', () => {
    const calls: [BufferWindow, { start: number; count: number }][] = [];
    forEachRowWindow(a, { outer: 1, size: 301, inner: 7 }, KIB_16, (bound, rows) =>
      calls.push([bound as BufferWindow, rows]),
    );
    expect(calls).toHaveLength(9);
    expect(calls[8]).toEqual([
      { buffer: a, offset: 288 * 7 * 4, size: 13 * 7 * 4 },
      { start: 288, count: 13 },
    ]);
    const whole: unknown[] = [];
    forEachRowWindow(a, { outer: 1, size: 30, inner: 7 }, KIB_16, (bound, rows) => whole.push([bound, rows]));
    expect(whole).toEqual([[a, { start: 0, count: 30 }]]);
  });
});
