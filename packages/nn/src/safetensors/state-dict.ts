// Bridges between state dicts (tensors on a backend) and safetensors bytes. Reading a
// tensor back is async (WebGPU readback is), so serialising a state dict is too.
import { type Backend, getBackend, type Tensor, tensor } from '@tensorlm/tensor-core';
import type { StateDict, StateDictLike } from '../module/module.js';
import { type HostTensor, parseSafetensors, type SafetensorsFile } from './read.js';
import { type SerializeOptions, serializeSafetensors } from './write.js';

function entriesOf(stateDict: StateDictLike): [string, Tensor][] {
  return stateDict instanceof Map ? [...stateDict] : Object.entries(stateDict as Record<string, Tensor>);
}

/** Reads every tensor of a state dict back to the host and encodes it as safetensors. */
export async function stateDictToSafetensors(
  stateDict: StateDictLike,
  options: SerializeOptions = {},
): Promise<Uint8Array> {
  const host: [string, HostTensor][] = [];
  for (const [name, t] of entriesOf(stateDict)) {
    host.push([name, { dtype: t.dtype, shape: t.shape, data: await t.data() }]);
  }
  return serializeSafetensors(host, options);
}

/** Uploads every tensor of a safetensors file (or the listed ones) to a backend. The caller owns them. */
export function safetensorsToStateDict(
  file: SafetensorsFile | ArrayBuffer | ArrayBufferView,
  options: { backend?: Backend; names?: readonly string[]; source?: string } = {},
): StateDict {
  const parsed =
    file instanceof ArrayBuffer || ArrayBuffer.isView(file)
      ? parseSafetensors(file, options.source === undefined ? {} : { source: options.source })
      : file;
  const backend = options.backend ?? getBackend();
  const out: StateDict = new Map();
  try {
    for (const name of options.names ?? parsed.names()) {
      const t = parsed.get(name);
      out.set(name, tensor(t.data, [...t.shape], { dtype: t.dtype, backend }));
    }
  } catch (error) {
    for (const t of out.values()) t.dispose();
    throw error;
  }
  return out;
}
