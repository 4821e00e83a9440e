// Binding-window arithmetic: which windows of a buffer each dispatch binds when a
// tensor is larger than one storage binding (`maxStorageBufferBindingSize`, 128 MiB on
// llvmpipe; GPT-2's token embedding is 154 MB). Pure functions of the sizes and the
// device's limits, so the splits are unit-tested without a GPU; the backend and the
// matmul dispatcher run one kernel per window they return.
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

// Spans and boxes: windows that need not start aligned ------------------------------
// Most kernels reach a big tensor through `Span`s: the binding starts at the aligned
// offset at or below the first element they need, and the kernel adds `base` (the
// first element's index inside that binding) to every index. Any sub-range then binds,
// whatever the row length, at the cost of < one alignment block of slack per binding.

/** Elements [start, start + count) of a buffer as one binding plus the index of `start` in it. */
export interface Span {
  readonly binding: GpuBinding;
  /** Index of the span's first element inside `binding`. */
  readonly base: number;
}

/** Most elements a span may cover: a binding, less the slack of an unaligned start. */
export function usableElements(limits: BindingLimits): number {
  return Math.floor(limits.maxBindingBytes / WORD) - (alignElements(limits) - 1);
}

/** Whether a whole buffer binds as it is. */
export function bindsWhole(buffer: GPUBuffer, limits: BindingLimits): boolean {
  return buffer.size <= limits.maxBindingBytes;
}

/** The span of elements [start, start + count) of `buffer`: the whole buffer when it binds whole. */
export function spanOf(buffer: GPUBuffer, start: number, count: number, limits: BindingLimits): Span {
  if (bindsWhole(buffer, limits)) return { binding: buffer, base: start };
  const align = alignElements(limits);
  const from = Math.floor(start / align) * align;
  const elements = Math.max(start + count - from, 1);
  if (elements * WORD > limits.maxBindingBytes)
    throw new WebGPUError(
      'WEBGPU_BINDING_LIMIT',
      `a span of ${count} elements does not fit a storage binding of ${limits.maxBindingBytes} bytes`,
    );
  return { binding: { buffer, offset: from * WORD, size: elements * WORD }, base: start - from };
}

/** Elements from the first to the last one a box of `shape` visits through `strides` (0 if empty). */
export function extentOf(shape: readonly number[], strides: readonly number[]): number {
  if (shape.some((n) => n === 0)) return 0;
  return 1 + shape.reduce((acc, n, d) => acc + (n - 1) * strides[d]!, 0);
}

/** A box of an index space: indices start[d] … start[d] + shape[d] − 1 in each dimension. */
export interface Box {
  readonly start: readonly number[];
  readonly shape: readonly number[];
}

/** How a box of the index space walks one operand: its strides, and `tail` more elements past the walk. */
export interface BoxOperand {
  readonly strides: readonly number[];
  /** Elements each box also needs past the last one its strides reach (a reduced axis). */
  readonly tail?: number;
}

/**
 * Cuts the index space `shape` into equal boxes (the last in each dimension shorter)
 * such that every operand — visited through its element `strides` (≥ 0) — spans at most
 * `maxElements` within one box, and no box is longer than `caps[d]` in dimension d. The
 * dimension cut first is always the one that stretches the worst operand most, so a
 * row-major operand is cut into runs of whole rows, a transposed one into column blocks.
 */
export function planBoxes(
  shape: readonly number[],
  operands: readonly BoxOperand[],
  maxElements: number,
  caps: readonly number[] = [],
): Box[] {
  const box = shape.map((n, d) => Math.max(1, Math.min(n, caps[d] ?? n)));
  const strides = operands.map((o) => o.strides);
  for (;;) {
    let worst = -1;
    let worstExtent = maxElements;
    operands.forEach((o, k) => {
      const extent = extentOf(box, o.strides) + (o.tail ?? 0);
      if (extent > worstExtent) {
        worst = k;
        worstExtent = extent;
      }
    });
    if (worst < 0) break;
    const s = strides[worst]!;
    let dim = -1;
    for (let d = 0; d < box.length; d++)
      if (box[d]! > 1 && s[d]! > 0 && (dim < 0 || (box[d]! - 1) * s[d]! > (box[dim]! - 1) * s[dim]!)) dim = d;
    if (dim < 0) break; // one element: extent 1
    const rest = worstExtent - (box[dim]! - 1) * s[dim]!;
    box[dim] = Math.max(1, Math.min(box[dim]! - 1, Math.floor((maxElements - rest) / s[dim]!) + 1));
  }
  // Even boxes: as many per dimension as the cut needs, of equal length.
  const counts = shape.map((n, d) => (n === 0 ? 1 : Math.ceil(n / box[d]!)));
  const lengths = shape.map((n, d) => Math.ceil(n / counts[d]!));
  const boxes: Box[] = [];
  const index = shape.map(() => 0);
  const total = counts.reduce((a, b) => a * b, 1);
  for (let b = 0; b < total; b++) {
    let rem = b;
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = rem % counts[d]!;
      rem = Math.floor(rem / counts[d]!);
    }
    const start = index.map((i, d) => i * lengths[d]!);
    boxes.push({ start, shape: start.map((s0, d) => Math.min(lengths[d]!, shape[d]! - s0)) });
  }
  return boxes;
}

/** A tensor operand of a strided kernel: its buffer and how the index space walks it. */
export interface StridedOperand extends BoxOperand {
  readonly buffer: GPUBuffer;
  readonly offset: number;
}

/**
 * Runs `run` once per box of the index space `shape` with one span per operand that
 * holds everything the box visits (bases point at the box's first element). When every
 * buffer binds whole — nearly always — that is one run over the whole space. Operands
 * whose buffers bind whole never force a cut.
 */
export function forEachBox(
  shape: readonly number[],
  operands: readonly StridedOperand[],
  limits: BindingLimits,
  run: (box: Box, spans: Span[]) => void,
  caps: readonly number[] = [],
): void {
  const big = operands.filter((o) => !bindsWhole(o.buffer, limits));
  const capped = caps.some((c, d) => c < shape[d]!);
  const boxes =
    big.length === 0 && !capped
      ? [{ start: shape.map(() => 0), shape }]
      : planBoxes(shape, big, usableElements(limits), caps);
  for (const box of boxes) {
    const spans = operands.map((o) => {
      const start = o.offset + box.start.reduce((acc, i, d) => acc + i * o.strides[d]!, 0);
      return spanOf(o.buffer, start, extentOf(box.shape, o.strides) + (o.tail ?? 0), limits);
    });
    run(box, spans);
  }
}

/** Row-major strides of `shape`. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = shape.map(() => 1);
  for (let d = shape.length - 2; d >= 0; d--) strides[d] = strides[d + 1]! * shape[d + 1]!;
  return strides;
}

/** The bindings of one window of rows, with the index of its first element in each kind of buffer. */
export interface RowSpans {
  readonly start: number;
  readonly count: number;
  /** Buffers of rows × cols elements, and the index of the window's first element in each. */
  readonly wide: readonly GpuBinding[];
  readonly wideBase: number;
  /** Buffers of one element per row. */
  readonly narrow: readonly GpuBinding[];
  readonly narrowBase: number;
}

/** Buffers of `rows` rows of `rowLength` elements each, bound alike (one base serves them all). */
export interface RowGroup {
  readonly buffers: readonly GPUBuffer[];
  readonly rowLength: number;
}

/** One window of a row group: its buffers' bindings and the index of the window's first element. */
export interface BoundRows {
  readonly bindings: readonly GpuBinding[];
  readonly base: number;
}

/**
 * Runs a row kernel once per window of whole rows whose spans fit one binding in every
 * group (once over all rows when every buffer binds whole), of at most `maxRows` rows
 * (a kernel that loops over rows).
 */
export function forEachRowGroupWindow(
  rows: number,
  groups: readonly RowGroup[],
  limits: BindingLimits,
  run: (start: number, count: number, bound: BoundRows[]) => void,
  maxRows = Number.POSITIVE_INFINITY,
): void {
  if (groups.every((g) => g.buffers.every((b) => bindsWhole(b, limits))) && rows <= maxRows) {
    run(
      0,
      rows,
      groups.map((g) => ({ bindings: g.buffers, base: 0 })),
    );
    return;
  }
  const usable = usableElements(limits);
  const longest = Math.max(1, ...groups.map((g) => g.rowLength));
  const perWindow = Math.min(Math.floor(usable / longest), maxRows);
  if (perWindow === 0)
    throw new WebGPUError(
      'WEBGPU_BINDING_LIMIT',
      `rows of ${longest} elements are too long for storage bindings of ${limits.maxBindingBytes} bytes`,
    );
  const windows = Math.ceil(rows / perWindow);
  const length = Math.ceil(rows / windows);
  const align = alignElements(limits);
  for (let start = 0; start < rows; start += length) {
    const count = Math.min(length, rows - start);
    const bound = groups.map((g) => {
      const first = start * g.rowLength;
      const from = Math.floor(first / align) * align;
      const size = Math.max(first + count * g.rowLength - from, 1) * WORD;
      return {
        bindings: g.buffers.map((buffer) => ({ buffer, offset: from * WORD, size })),
        base: first - from,
      };
    });
    run(start, count, bound);
  }
}

/**
 * `forEachRowGroupWindow` for the row kernels' two kinds of buffer: rows × cols
 * (`wide`) and one element per row (`narrow`).
 */
export function forEachRowSpan(
  rows: number,
  cols: number,
  wide: readonly GPUBuffer[],
  narrow: readonly GPUBuffer[],
  limits: BindingLimits,
  run: (spans: RowSpans) => void,
  maxRows = Number.POSITIVE_INFINITY,
): void {
  const groups = [
    { buffers: wide, rowLength: cols },
    { buffers: narrow, rowLength: 1 },
  ];
  forEachRowGroupWindow(
    rows,
    groups,
    limits,
    (start, count, [w, n]) =>
      run({
        start,
        count,
        wide: w!.bindings,
        wideBase: w!.base,
        narrow: n!.bindings,
        narrowBase: n!.base,
      }),
    maxRows,
  );
}
