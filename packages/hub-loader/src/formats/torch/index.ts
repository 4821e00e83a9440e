// pytorch_model.bin through a restricted unpickler: the browser-safe parts (zip, pickle,
// checkpoint over a RandomAccessReader). Node's file-backed source is ./torch-source.node.ts.
export { TorchCheckpoint, type TorchTensorInfo } from './checkpoint.js';
export { TorchFormatError, type TorchFormatErrorCode } from './errors.js';
export { type InflateRaw, inflateRawWeb } from './inflate.js';
export {
  PICKLE_OPCODE_NAMES,
  PickleDict,
  PickleGlobal,
  PickleTuple,
  type PickleValue,
  unpickle,
} from './pickle.js';
export { bytesReader, type RandomAccessReader } from './random-access.js';
export { TORCH_STORAGE_DTYPES, type TorchDType } from './torch-globals.js';
export { isSafeEntryName, ZipArchive, type ZipEntry } from './zip.js';
