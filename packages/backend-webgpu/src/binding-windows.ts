// Binding-window arithmetic: which windows of a buffer each dispatch binds when a
// tensor is larger than one storage binding (`maxStorageBufferBindingSize`, 128 MiB on
// llvmpipe; GPT-2's token embedding is 154 MB). Pure functions of the sizes and the
// device's limits, so the splits are unit-tested without a GPU; the backend and the
// matmul dispatcher run one kernel per window they return.
import type { AxisLayout } from '@tensorlm/tensor-core';
import { WebGPUError } from './errors.js';
import type { GpuBinding } from './runtime.js';

/** Every tensor element is one 4-byte word on the GPU (bool included). */
export const WORD = 4;

/** The two device limits that shape a split, in bytes. */
export interface BindingLimits {
  /** Most bytes one storage binding may hold. */
  readonly maxBindingBytes: number;
  /** A storage binding's byte offset must be a multiple of this. */
  readonly offsetAlignment: number;
}

/** Elements [start, start + count) of a buffer of 4-byte words. */
export type ElementRange = readonly [start: number, count: number];

/**
 * Rows [start, start + count) of an axis that one binding holds: all of them, unless
 * the tensor exceeds one binding and is visited in windows.
 */
export interface RowWindow {
  readonly start: number;
  readonly count: number;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

/** The offset alignment in elements (at least one word). */
function alignElements(limits: BindingLimits): number {
  return Math.max(limits.offsetAlignment, WORD) / WORD;
}

/**
 * Splits `size` elements into ranges of at most one binding each, every range starting
 * at an aligned offset: element-wise kernels run once per range. Tensors that fit one
 * binding (nearly all) get the single range [0, size].
 */
export function elementRanges(size: number, limits: BindingLimits): ElementRange[] {
  if (size * WORD <= limits.maxBindingBytes) return [[0, size]];
  const align = alignElements(limits);
  const chunk = Math.floor(limits.maxBindingBytes / WORD / align) * align;
  if (chunk === 0)
    throw new WebGPUError(
      'WEBGPU_BINDING_LIMIT',
      `a binding of ${limits.maxBindingBytes} bytes cannot hold one aligned block of ${align} elements`,
    );
  const ranges: ElementRange[] = [];
  for (let start = 0; start < size; start += chunk) ranges.push([start, Math.min(chunk, size - start)]);
  return ranges;
}

/**
 * Windows of whole rows that fit one binding in every buffer visited together, where
 * buffer b's rows are `rowLengths[b]` elements long (an embedding table and its output,
 * A and C of a matmul). Every window starts at an aligned offset in each buffer; rows
 * too long for any window are an error.
 */
export function rowWindows(rows: number, rowLengths: readonly number[], limits: BindingLimits): RowWindow[] {
  const maxElements = Math.floor(limits.maxBindingBytes / WORD);
  const longest = Math.max(...rowLengths);
  if (rows * longest <= maxElements) return [{ start: 0, count: rows }];
  // A window of `step` rows starts aligned in a buffer with rows of length len when
  // step · len is a multiple of the alignment; the lcm serves every buffer at once.
  const align = alignElements(limits);
  const step = rowLengths.reduce((acc, len) => lcm(acc, align / gcd(len, align)), 1);
  const perWindow = Math.floor(maxElements / longest / step) * step;
  if (perWindow === 0)
    throw new WebGPUError(
      'WEBGPU_BINDING_LIMIT',
      `rows of ${longest} elements are too long to split into storage bindings of ${limits.maxBindingBytes} bytes`,
    );
  const windows: RowWindow[] = [];
  for (let start = 0; start < rows; start += perWindow)
    windows.push({ start, count: Math.min(perWindow, rows - start) });
  return windows;
}

/**
 * Row windows of the indexed axis for an index kernel over (outer, size, inner) whose
 * big side (the table a gather reads, the output a scatter-add writes) is past one
 * binding. Only an unbatched layout (outer = 1) splits; a batched one gets the single
 * window of all rows, and its dispatch reports the binding limit if it is too big.
 */
export function indexRowWindows(layout: AxisLayout, limits: BindingLimits): RowWindow[] {
  if (layout.outer !== 1) return [{ start: 0, count: layout.size }];
  return rowWindows(layout.size, [layout.inner], limits);
}

/** The binding of elements [start, start + count) of `buffer`. */
export function windowOf(buffer: GPUBuffer, [start, count]: ElementRange): GpuBinding {
  return { buffer, offset: start * WORD, size: count * WORD };
}

/**
 * Runs `run` once per binding-sized range of `size` elements, binding the same range of
 * every buffer (whole buffers when one range suffices, the common case).
 */
export function forEachRange(
  size: number,
  buffers: readonly GPUBuffer[],
  limits: BindingLimits,
  run: (bound: GpuBinding[], count: number, start: number) => void,
): void {
  const ranges = elementRanges(size, limits);
  if (ranges.length === 1) {
    run([...buffers], size, 0);
    return;
  }
  for (const range of ranges)
    run(
      buffers.map((b) => windowOf(b, range)),
      range[1],
      range[0],
    );
}

/**
 * Runs an index kernel once per row window of `big` (the side past the binding limit,
 * rows `layout.inner` long), or once on the whole buffer.
 */
export function forEachRowWindow(
  big: GPUBuffer,
  layout: AxisLayout,
  limits: BindingLimits,
  run: (bound: GpuBinding, rows: RowWindow) => void,
): void {
  const windows = indexRowWindows(layout, limits);
  if (windows.length === 1) {
    run(big, { start: 0, count: layout.size });
    return;
  }
  for (const rows of windows)
    run(windowOf(big, [rows.start * layout.inner, rows.count * layout.inner]), rows);
}
