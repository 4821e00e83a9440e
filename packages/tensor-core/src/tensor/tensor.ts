// The Tensor: a shape, a dtype and a reference to backend storage, plus the autograd
// fields (requiresGrad, grad, the node that made it). Tensors are immutable values;
// views (reshape, detach) share storage through a reference count. Readback is async
// because on WebGPU it is; no op ever reads back implicitly.

import type { GradNode } from '../autograd/grad-node.js';
import type { Backend, KernelTensor, Storage } from '../backend/backend.js';
import { TensorError } from '../errors.js';
import type { DataArray, DType } from './dtype.js';
import { engine, StorageRef, setTensorGuard } from './engine.js';
import { formatShape, type Shape, sizeOf } from './shape.js';

export type NestedArray = number | boolean | NestedArray[];

export class Tensor implements KernelTensor {
  readonly id: number;
  readonly shape: Shape;
  readonly dtype: DType;
  readonly size: number;
  /** Gradient accumulated by `backward()` for tensors that require grad. */
  grad: Tensor | null = null;
  /** @internal The op that produced this tensor, while its graph is alive. */
  gradNode: GradNode | null = null;
  /** @internal Set once a backward pass has freed the graph through this tensor. */
  graphReleased = false;
  name: string | undefined;
  #requiresGrad = false;
  #ref: StorageRef | null;
  #kept = false;

  /** @internal Use the creation functions (`tensor`, `zeros`, …) or ops instead. */
  constructor(ref: StorageRef, shape: Shape, dtype: DType) {
    this.id = engine.nextTensorId++;
    this.#ref = ref;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = sizeOf(shape);
    engine.track(this, ref);
  }

  /** @internal Wraps a storage a kernel just produced. */
  static fromStorage(backend: Backend, storage: Storage, shape: Shape, dtype: DType): Tensor {
    return new Tensor(new StorageRef(backend, storage), shape, dtype);
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.#ref === null;
  }

  /** @internal True for tensors `tidy` must not dispose (gradients, `keep`). */
  get isKept(): boolean {
    return this.#kept;
  }

  get requiresGrad(): boolean {
    return this.#requiresGrad;
  }

  set requiresGrad(value: boolean) {
    if (value && this.dtype !== 'f32') {
      throw new TensorError(
        'requiresGrad',
        `only f32 tensors can require gradients, this one is ${this.dtype}`,
      );
    }
    if (!value && this.gradNode) {
      throw new TensorError(
        'requiresGrad',
        'cannot turn off requiresGrad on a non-leaf tensor; use detach()',
      );
    }
    this.#requiresGrad = value;
  }

  /** Marks this leaf tensor as requiring gradients and returns it (torch's requires_grad_()). */
  requireGrad(value = true): this {
    this.requiresGrad = value;
    return this;
  }

  /** @internal The storage reference, or an error naming `op` if disposed. */
  refFor(op: string): StorageRef {
    if (this.#ref === null) {
      throw new TensorError(
        op,
        `tensor #${this.id} of shape ${formatShape(this.shape)} was used after dispose()`,
      );
    }
    return this.#ref;
  }

  get storage(): Storage {
    return this.refFor('storage').storage;
  }

  get backend(): Backend {
    return this.refFor('backend').backend;
  }

  /** Keeps this tensor alive past the end of any enclosing `tidy`. */
  keep(): this {
    this.#kept = true;
    return this;
  }

  /** Frees this tensor's share of device memory. Disposing twice is a no-op. */
  dispose(): void {
    const ref = this.#ref;
    if (ref === null) return;
    this.#ref = null;
    engine.untrack(this);
    ref.releaseOne();
    this.gradNode = null;
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /** A new tensor sharing this one's storage, with another shape (no copy). */
  withShape(shape: Shape): Tensor {
    return new Tensor(this.refFor('view').retain(), shape, this.dtype);
  }

  /** The elements as a fresh typed array (Float32Array, Int32Array or Uint8Array for bool). */
  async data(): Promise<DataArray> {
    const ref = this.refFor('data');
    return ref.backend.read(ref.storage, this.dtype, this.size);
  }

  /** The single element of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) {
      throw new TensorError(
        'item',
        `only one-element tensors can be converted to a number, shape is ${formatShape(this.shape)}`,
      );
    }
    const values = await this.data();
    return values[0]!;
  }

  /** The elements as nested arrays (booleans for bool tensors), as torch's tolist(). */
  async toArray(): Promise<NestedArray> {
    const values = await this.data();
    const asValue = this.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
    if (this.rank === 0) return asValue(values[0]!);
    const build = (dim: number, offset: number, stride: number): NestedArray[] => {
      const n = this.shape[dim]!;
      const inner = stride / Math.max(n, 1);
      const out: NestedArray[] = [];
      for (let i = 0; i < n; i++) {
        out.push(
          dim === this.rank - 1 ? asValue(values[offset + i]!) : build(dim + 1, offset + i * inner, inner),
        );
      }
      return out;
    };
    return build(0, 0, this.size);
  }

  toString(): string {
    const grad = this.requiresGrad ? ', requiresGrad' : '';
    return `Tensor(shape=${formatShape(this.shape)}, dtype=${this.dtype}${grad}${this.isDisposed ? ', disposed' : ''})`;
  }
}

export function isTensor(value: unknown): value is Tensor {
  return value instanceof Tensor;
}

setTensorGuard(isTensor);
