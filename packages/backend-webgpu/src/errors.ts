// The WebGPU backend's own failures — no adapter, a lost device, a limit of this device
// that an op runs into — as tensor-core's `TensorlmError` with a stable code. Bad input
// (an out-of-range index) is a `TensorError` naming the op, exactly as on the CPU backend.
import { TensorlmError } from '@tensorlm/tensor-core';

export type WebGPUErrorCode =
  /** No WebGPU adapter (in Node: no Vulkan/Metal/D3D12 and no Mesa OpenGL). */
  | 'WEBGPU_NO_ADAPTER'
  /** The device was lost (driver reset, GPU removed, out of memory on some drivers). */
  | 'WEBGPU_DEVICE_LOST'
  /** The device reported an error (validation, internal) after a dispatch. */
  | 'WEBGPU_GPU_ERROR'
  /** The device could not allocate a buffer. */
  | 'WEBGPU_OUT_OF_MEMORY'
  /** A tensor larger than the device's `maxBufferSize`. */
  | 'WEBGPU_BUFFER_LIMIT'
  /** A kernel would bind more than one storage binding holds, and the op has no split. */
  | 'WEBGPU_BINDING_LIMIT'
  /** A kernel would loop past what the adapter runs (Mesa llvmpipe stops at 65,535). */
  | 'WEBGPU_LOOP_LIMIT'
  /** A dispatch needs more workgroups along an axis than WebGPU allows (65,535). */
  | 'WEBGPU_DISPATCH_LIMIT'
  /** A storage from another backend was passed in (move it with toBackend() first). */
  | 'WEBGPU_FOREIGN_STORAGE'
  /** An option or environment variable with a value the backend does not know. */
  | 'WEBGPU_BAD_OPTION';

export class WebGPUError extends TensorlmError {
  override readonly code: WebGPUErrorCode;
  /** The kernel that ran into the limit, when one did. */
  readonly kernel: string | undefined;

  constructor(code: WebGPUErrorCode, message: string, options: { kernel?: string; cause?: unknown } = {}) {
    super(code, `backend-webgpu: ${message}`, { cause: options.cause });
    this.name = 'WebGPUError';
    this.code = code;
    this.kernel = options.kernel;
  }
}
