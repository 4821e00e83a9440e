// The seam between weight-file formats and the loader: a `WeightSource` lists every tensor
// of a checkpoint (names, stored dtypes, shapes) from its headers alone, then hands out one
// decoded tensor at a time, so the loader can check a whole checkpoint against a model
// before reading any value and keep peak host memory near one tensor.
import type { HostTensor } from '@tensorlm/nn';

/** What a source knows about one stored tensor before reading it. */
export interface WeightInfo {
  /** The dtype as the file stores it, in safetensors' spelling: 'F32', 'F16', 'BF16', 'I64', … */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** The file that holds it (a shard path), for error messages. */
  readonly file: string;
}

/**
 * One checkpoint's tensors: a single file, or the shards of an index, in any format.
 *
 * An implementation (safetensors here; `pytorch_model.bin` in ./torch) opens the file(s)
 * and parses only the header / pickle when created, and validates it fully then: every
 * name, dtype, shape and byte range is checked against the file size, so a hostile or
 * truncated file fails at open time with an error naming the file and tensor. `tensors()`
 * must not read tensor data. `read(name)` reads just that tensor's bytes (from a file
 * handle, never the whole file) and decodes floats to f32 (F32/F16/BF16/F64) and integers
 * to i32 (an i64 outside the i32 range is an error naming the tensor); the caller owns the
 * returned arrays and lets them go after uploading. `read` of an unknown name throws.
 * `close()` releases file handles and is safe to call twice. Errors extend TensorlmError
 * (nn's SafetensorsError, or a format-specific class with a stable code).
 */
export interface WeightSource {
  /** The file or index this source was opened from, for messages. */
  readonly path: string;
  /** Every tensor, in file order, by stored name. */
  tensors(): ReadonlyMap<string, WeightInfo>;
  /** One tensor's values, decoded on the host. */
  read(name: string): Promise<HostTensor>;
  close(): Promise<void>;
}

/** Opens one weights file (not an index) as a source; the formats each provide one. */
export type WeightFileOpener = (path: string) => Promise<WeightSource>;
