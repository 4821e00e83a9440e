// CPU storage: a typed array of the tensor's dtype, owned by the backend.
import type { DataArray, Storage } from '@tensorlm/tensor-core';

export class CpuStorage implements Storage {
  constructor(public data: DataArray) {}

  get byteLength(): number {
    return this.data.byteLength;
  }
}

/** The typed array behind a storage handed to this backend. */
export function dataOf(storage: Storage): DataArray {
  if (!(storage instanceof CpuStorage)) {
    throw new Error(
      'backend-cpu: received a storage from another backend; move the tensor with toBackend() first',
    );
  }
  return storage.data;
}

export function f32Of(storage: Storage): Float32Array {
  return dataOf(storage) as Float32Array;
}
