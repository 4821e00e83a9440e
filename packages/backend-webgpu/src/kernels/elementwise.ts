// Element-wise WGSL kernels: unary, binary and `where` with broadcasting (strides in the
// params uniform, rank a specialisation constant; a contiguous fast path when shapes
// match), dtype casts and fills. One pipeline per (op, dtype, rank), cached. The
// backend's fused activation kernels (GELU, the activation gradients) are entries of
// the same tables.
import {
  type ActivationGradOp,
  type ActivationOp,
  type BinaryOp,
  broadcastStrides,
  type DType,
  type Shape,
  sizeOf,
  type UnaryOp,
} from '@tensorlm/tensor-core';
import { contiguousStrides, forEachBox, type Span } from '../binding-windows.js';
import { collapseDims, dimRef, ParamWriter } from '../params.js';
import type { GpuBinding, GpuRuntime } from '../runtime.js';
import { elementMain, grid, MATH, wgslType } from './wgsl.js';

export type UnaryKernelOp = UnaryOp | ActivationOp;
export type BinaryKernelOp = BinaryOp | ActivationGradOp;

function unaryExpression(op: UnaryKernelOp, dtype: DType): string {
  if (dtype !== 'f32') {
    const integer: Partial<Record<UnaryKernelOp, string>> = {
      neg: '-x',
      abs: 'abs(x)',
      sign: 'sign(x)',
      square: 'x * x',
      relu: 'max(x, 0)',
      floor: 'x',
      ceil: 'x',
      round: 'x',
      logicalNot: 'select(0u, 1u, x == 0u)',
    };
    const expr = integer[op];
    if (!expr) throw new Error(`backend-webgpu: unary '${op}' is not defined for ${dtype}`);
    return expr;
  }
  const float: Record<UnaryKernelOp, string> = {
    neg: '-x',
    abs: 'abs(x)',
    sign: 'sign(x)',
    exp: 'exp(x)',
    log: 'log(x)',
    sqrt: 'sqrt(x)',
    rsqrt: '1.0 / sqrt(x)',
    square: 'x * x',
    reciprocal: '1.0 / x',
    tanh: 'tanhStable(x)',
    sigmoid: '1.0 / (1.0 + exp(-x))',
    relu: 'select(x, 0.0, x <= 0.0)',
    gelu: 'geluTanh(x)',
    geluErf: 'geluErf(x)',
    erf: 'erfApprox(x)',
    sin: 'sin(x)',
    cos: 'cos(x)',
    floor: 'floor(x)',
    ceil: 'ceil(x)',
    round: 'round(x)',
    logicalNot: 'select(0u, 1u, x == 0.0)',
  };
  return float[op];
}

function binaryExpression(op: BinaryKernelOp, t: string): string {
  const zero = t === 'f32' ? '0.0' : t === 'i32' ? '0' : '0u';
  const table: Record<BinaryKernelOp, string> = {
    add: 'a + b',
    sub: 'a - b',
    mul: 'a * b',
    div: 'a / b',
    pow: 'powSigned(a, b)',
    maximum: 'max(a, b)',
    minimum: 'min(a, b)',
    eq: 'select(0u, 1u, a == b)',
    ne: 'select(0u, 1u, a != b)',
    lt: 'select(0u, 1u, a < b)',
    le: 'select(0u, 1u, a <= b)',
    gt: 'select(0u, 1u, a > b)',
    ge: 'select(0u, 1u, a >= b)',
    logicalAnd: `select(0u, 1u, a != ${zero} && b != ${zero})`,
    logicalOr: `select(0u, 1u, a != ${zero} || b != ${zero})`,
    reluGrad: 'select(0.0, b, a > 0.0)',
    geluGrad: 'geluTanhGrad(a) * b',
    geluErfGrad: 'geluErfGrad(a) * b',
    tanhGrad: 'b * (1.0 - a * a)',
    sigmoidGrad: 'b * a * (1.0 - a)',
  };
  return table[op];
}

const BOOL_RESULT = new Set<BinaryKernelOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr']);

/**
 * WGSL that turns flat index `i` of the (box of the) output into input offsets
 * `off0…offN` via the dims blocks, starting from each input's base in its span; when
 * `outStrided`, also the output's offset `offOut` (a box of a larger output).
 */
function broadcastIndex(rank: number, inputs: number, outStrided: boolean): string {
  const bases = Array.from({ length: inputs }, (_, k) => `var off${k} = p.bases.${'xyzw'[k]};`);
  const lines = [`var rem = i;`, ...bases];
  if (outStrided) lines.push(`var offOut = p.bases.${'xyzw'[inputs]};`);
  const targets = [...Array.from({ length: inputs }, (_, k) => [`off${k}`, `p.strides${k}`])];
  if (outStrided) targets.push(['offOut', 'p.outStrides']);
  // Innermost dimension first; the outermost needs no division (what remains is its index).
  for (let d = rank - 1; d >= 0; d--) {
    const index = d === 0 ? 'rem' : `rem % ${dimRef('p.shape', d)}`;
    lines.push(`{ let c = ${index};${d === 0 ? '' : ` rem = rem / ${dimRef('p.shape', d)};`}`);
    for (const [off, block] of targets) lines.push(`  ${off} = ${off} + c * ${dimRef(block!, d)};`);
    lines.push('}');
  }
  return lines.map((l) => `  ${l}`).join('\n');
}

/**
 * Runs a broadcasting kernel over `outShape` once per box whose spans fit the binding
 * limit (once, over everything, when all buffers bind whole), with the layout
 * collapsed first. `dispatch` gets the box's shape, each operand's strides (inputs,
 * then the output) and spans, and whether the output is a box of a larger one.
 */
function forEachBroadcastBox(
  rt: GpuRuntime,
  inputs: readonly { buffer: GPUBuffer; shape: Shape }[],
  out: GPUBuffer,
  outShape: Shape,
  dispatch: (shape: number[], strides: number[][], spans: Span[], outStrided: boolean) => void,
): void {
  const layout = collapseDims(outShape, [
    ...inputs.map((x) => broadcastStrides(x.shape, outShape)),
    contiguousStrides(outShape),
  ]);
  const operands = [...inputs.map((x) => x.buffer), out].map((buffer, k) => ({
    buffer,
    offset: 0,
    strides: layout.strides[k]!,
  }));
  forEachBox(layout.shape, operands, rt.bindingLimits, (box, spans) => {
    const whole = box.shape.every((n, d) => n === layout.shape[d]);
    dispatch([...box.shape], layout.strides, spans, !whole || spans[inputs.length]!.base !== 0);
  });
}

/** The bases block of a broadcasting kernel's params (one per operand, ≤ 4). */
function bases(spans: readonly Span[]): number[] {
  return spans.map((s) => s.base);
}

export function unaryKernel(
  rt: GpuRuntime,
  op: UnaryKernelOp,
  x: GpuBinding,
  dtype: DType,
  size: number,
  out: GpuBinding,
): void {
  const t = wgslType(dtype);
  const outT = op === 'logicalNot' ? 'u32' : t;
  const pipeline = rt.pipeline(
    `unary:${op}:${dtype}`,
    () => `${MATH}
struct Params { size: u32 }
@group(0) @binding(0) var<storage, read> X: array<${t}>;
@group(0) @binding(1) var<storage, read_write> Out: array<${outT}>;
@group(0) @binding(2) var<uniform> p: Params;
${elementMain('p.size')}
  let x = X[i];
  Out[i] = ${unaryExpression(op, dtype)};
}`,
  );
  rt.dispatch(`unary:${op}`, pipeline, [x, out], new ParamWriter().u32(size), grid(size));
}

/** A same-shape binary op over `size` elements (one binding range of them). */
export function binaryKernel(
  rt: GpuRuntime,
  op: BinaryKernelOp,
  a: GpuBinding,
  b: GpuBinding,
  dtype: DType,
  out: GpuBinding,
  size: number,
): void {
  const t = wgslType(dtype);
  const outT = BOOL_RESULT.has(op) ? 'u32' : t;
  const key = `binary:${op}:${dtype}:same`;
  const pipeline = rt.pipeline(
    key,
    () => `${MATH}
struct Params { size: u32 }
@group(0) @binding(0) var<storage, read> A: array<${t}>;
@group(0) @binding(1) var<storage, read> B: array<${t}>;
@group(0) @binding(2) var<storage, read_write> Out: array<${outT}>;
@group(0) @binding(3) var<uniform> p: Params;
${elementMain('p.size')}
  let a = A[i];
  let b = B[i];
  Out[i] = ${binaryExpression(op, t)};
}`,
  );
  rt.dispatch(key, pipeline, [a, b, out], new ParamWriter().u32(size), grid(size));
}

/** A binary op where a or b broadcasts to `outShape`, split into boxes past the binding limit. */
export function broadcastBinaryKernel(
  rt: GpuRuntime,
  op: BinaryKernelOp,
  a: GPUBuffer,
  aShape: Shape,
  b: GPUBuffer,
  bShape: Shape,
  dtype: DType,
  out: GPUBuffer,
  outShape: Shape,
): void {
  const t = wgslType(dtype);
  const outT = BOOL_RESULT.has(op) ? 'u32' : t;
  const inputs = [
    { buffer: a, shape: aShape },
    { buffer: b, shape: bShape },
  ];
  forEachBroadcastBox(rt, inputs, out, outShape, (shape, strides, spans, outStrided) => {
    const rank = shape.length;
    const key = `binary:${op}:${dtype}:${rank}${outStrided ? ':box' : ''}`;
    const pipeline = rt.pipeline(
      key,
      () => `${MATH}
struct Params { size: u32, bases: vec4<u32>, shape: array<vec4<u32>, 2>, strides0: array<vec4<u32>, 2>, strides1: array<vec4<u32>, 2>, outStrides: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> A: array<${t}>;
@group(0) @binding(1) var<storage, read> B: array<${t}>;
@group(0) @binding(2) var<storage, read_write> Out: array<${outT}>;
@group(0) @binding(3) var<uniform> p: Params;
${elementMain('p.size')}
${broadcastIndex(rank, 2, outStrided)}
  let a = A[off0];
  let b = B[off1];
  Out[${outStrided ? 'offOut' : 'i'}] = ${binaryExpression(op, t)};
}`,
    );
    const size = sizeOf(shape);
    const params = new ParamWriter()
      .u32(size)
      .vec4(bases(spans))
      .dims(shape)
      .dims(strides[0]!)
      .dims(strides[1]!)
      .dims(strides[2]!);
    rt.dispatch(
      key,
      pipeline,
      spans.map((s) => s.binding),
      params,
      grid(size),
    );
  });
}

export function whereKernel(
  rt: GpuRuntime,
  cond: GPUBuffer,
  condShape: Shape,
  a: GPUBuffer,
  aShape: Shape,
  b: GPUBuffer,
  bShape: Shape,
  out: GPUBuffer,
  outShape: Shape,
): void {
  const inputs = [
    { buffer: cond, shape: condShape },
    { buffer: a, shape: aShape },
    { buffer: b, shape: bShape },
  ];
  forEachBroadcastBox(rt, inputs, out, outShape, (shape, strides, spans, outStrided) => {
    const rank = shape.length;
    const key = `where:${rank}${outStrided ? ':box' : ''}`;
    // Values move as raw 32-bit words, so one pipeline serves every dtype.
    const pipeline = rt.pipeline(
      key,
      () => `
struct Params { size: u32, bases: vec4<u32>, shape: array<vec4<u32>, 2>, strides0: array<vec4<u32>, 2>, strides1: array<vec4<u32>, 2>, strides2: array<vec4<u32>, 2>, outStrides: array<vec4<u32>, 2> }
@group(0) @binding(0) var<storage, read> C: array<u32>;
@group(0) @binding(1) var<storage, read> A: array<u32>;
@group(0) @binding(2) var<storage, read> B: array<u32>;
@group(0) @binding(3) var<storage, read_write> Out: array<u32>;
@group(0) @binding(4) var<uniform> p: Params;
${elementMain('p.size')}
${broadcastIndex(rank, 3, outStrided)}
  Out[${outStrided ? 'offOut' : 'i'}] = select(B[off2], A[off1], C[off0] != 0u);
}`,
    );
    const size = sizeOf(shape);
    const params = new ParamWriter()
      .u32(size)
      .vec4(bases(spans))
      .dims(shape)
      .dims(strides[0]!)
      .dims(strides[1]!)
      .dims(strides[2]!)
      .dims(strides[3]!);
    rt.dispatch(
      key,
      pipeline,
      spans.map((s) => s.binding),
      params,
      grid(size),
    );
  });
}

export function castKernel(
  rt: GpuRuntime,
  x: GpuBinding,
  from: DType,
  to: DType,
  size: number,
  out: GpuBinding,
): void {
  const src = wgslType(from);
  const dst = wgslType(to);
  const expr =
    to === 'bool'
      ? `select(0u, 1u, x != ${src === 'f32' ? '0.0' : src === 'i32' ? '0' : '0u'})`
      : `${dst}(x)`;
  const key = `cast:${from}:${to}`;
  const pipeline = rt.pipeline(
    key,
    () => `
struct Params { size: u32 }
@group(0) @binding(0) var<storage, read> X: array<${src}>;
@group(0) @binding(1) var<storage, read_write> Out: array<${dst}>;
@group(0) @binding(2) var<uniform> p: Params;
${elementMain('p.size')}
  let x = X[i];
  Out[i] = ${expr};
}`,
  );
  rt.dispatch(key, pipeline, [x, out], new ParamWriter().u32(size), grid(size));
}

/** Writes a 32-bit pattern (the value's bits in the dtype's layout) to every element. */
export function fillKernel(rt: GpuRuntime, out: GpuBinding, size: number, bits: number): void {
  const pipeline = rt.pipeline(
    'fill',
    () => `
struct Params { size: u32, bits: u32 }
@group(0) @binding(0) var<storage, read_write> Out: array<u32>;
@group(0) @binding(1) var<uniform> p: Params;
${elementMain('p.size')}
  Out[i] = p.bits;
}`,
  );
  rt.dispatch('fill', pipeline, [out], new ParamWriter().u32(size).u32(bits), grid(size));
}
