// The allow-list of `torch.load(weights_only=True)` for state dicts, as the unpickler's
// hooks: collections.OrderedDict, torch._utils._rebuild_tensor_v2 / _rebuild_parameter,
// the torch.*Storage classes, and persistent ids ('storage', StorageType, key, location,
// numel). They build inert records (a storage reference, a tensor reference) that the
// checkpoint validates against the archive; nothing here touches data.
import { TorchFormatError } from './errors.js';
import { PickleDict, PickleGlobal, type PickleObject, PickleTuple, type PickleValue } from './pickle.js';

/** Stored dtypes in safetensors' spelling, with their element sizes. */
export const TORCH_STORAGE_DTYPES = {
  FloatStorage: { dtype: 'F32', bytes: 4 },
  HalfStorage: { dtype: 'F16', bytes: 2 },
  BFloat16Storage: { dtype: 'BF16', bytes: 2 },
  DoubleStorage: { dtype: 'F64', bytes: 8 },
  LongStorage: { dtype: 'I64', bytes: 8 },
  IntStorage: { dtype: 'I32', bytes: 4 },
  ShortStorage: { dtype: 'I16', bytes: 2 },
  CharStorage: { dtype: 'I8', bytes: 1 },
  ByteStorage: { dtype: 'U8', bytes: 1 },
  BoolStorage: { dtype: 'BOOL', bytes: 1 },
} as const;

export type TorchStorageClass = keyof typeof TORCH_STORAGE_DTYPES;
export type TorchDType = (typeof TORCH_STORAGE_DTYPES)[TorchStorageClass]['dtype'];

/** A storage a persistent id names: the archive entry `data/<key>`, `numel` elements of a dtype. */
export interface TorchStorageRef extends PickleObject {
  readonly pickleType: 'storage';
  /** `torch.FloatStorage`, … */
  readonly storageClass: string;
  /** null for a storage class tensorlm cannot decode (complex, quantized, float8…). */
  readonly dtype: TorchDType | null;
  readonly elementBytes: number;
  readonly key: string;
  readonly location: string;
  readonly numel: number;
}

/** What `_rebuild_tensor_v2` was asked to build: a strided view of a storage. */
export interface TorchTensorRef extends PickleObject {
  readonly pickleType: 'tensor';
  readonly storage: TorchStorageRef;
  readonly storageOffset: number;
  readonly shape: readonly number[];
  readonly stride: readonly number[];
}

export function isTensorRef(value: PickleValue): value is TorchTensorRef {
  return (
    typeof value === 'object' && value !== null && 'pickleType' in value && value.pickleType === 'tensor'
  );
}

function isStorageRef(value: PickleValue): value is TorchStorageRef {
  return (
    typeof value === 'object' && value !== null && 'pickleType' in value && value.pickleType === 'storage'
  );
}

const isCount = (v: PickleValue): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** A storage key is used as an entry name (`data/<key>`): torch writes decimal integers. */
const STORAGE_KEY = /^[A-Za-z0-9_]+$/;

/** The unpickler hooks for one archive; errors name `file`. */
export function torchPickleHooks(file: string): {
  findGlobal: (module: string, name: string) => PickleGlobal | null;
  persistentLoad: (pid: PickleValue) => PickleValue;
} {
  const fail = (message: string): never => {
    throw new TorchFormatError('TORCH_PICKLE_INVALID', file, message);
  };
  const storages = new Map<string, TorchStorageRef>();

  const countTuple = (value: PickleValue, what: string): number[] => {
    if (!(value instanceof PickleTuple) || !value.items.every(isCount)) {
      fail(`_rebuild_tensor_v2: ${what} must be a tuple of non-negative integers`);
    }
    return [...(value as PickleTuple).items] as number[];
  };
  const emptyHooks = (value: PickleValue, fn: string): void => {
    if (!(value instanceof PickleDict) || value.items.size > 0) {
      fail(`${fn}: backward_hooks must be an empty OrderedDict (tensor hooks cannot be loaded)`);
    }
  };

  const rebuildTensor = new PickleGlobal('torch._utils._rebuild_tensor_v2', (args) => {
    if (args.length !== 6 && args.length !== 7)
      fail(`_rebuild_tensor_v2 takes 6 or 7 arguments, got ${args.length}`);
    const [storage, offset, size, stride, requiresGrad, hooks, metadata] = args;
    if (!isStorageRef(storage!)) fail('_rebuild_tensor_v2: the first argument is not a storage');
    if (!isCount(offset!)) fail('_rebuild_tensor_v2: storage_offset must be a non-negative integer');
    const shape = countTuple(size!, 'size');
    const strides = countTuple(stride!, 'stride');
    if (shape.length !== strides.length) {
      fail(`_rebuild_tensor_v2: size has ${shape.length} dimensions but stride ${strides.length}`);
    }
    if (typeof requiresGrad !== 'boolean') fail('_rebuild_tensor_v2: requires_grad must be a bool');
    emptyHooks(hooks!, '_rebuild_tensor_v2');
    if (metadata !== undefined && metadata !== null && !(metadata instanceof PickleDict)) {
      fail('_rebuild_tensor_v2: metadata must be a dict or None');
    }
    const ref: TorchTensorRef = {
      pickleType: 'tensor',
      storage: storage as TorchStorageRef,
      storageOffset: offset as number,
      shape,
      stride: strides,
    };
    return ref;
  });

  const rebuildParameter = new PickleGlobal('torch._utils._rebuild_parameter', (args) => {
    if (args.length !== 3) fail(`_rebuild_parameter takes 3 arguments, got ${args.length}`);
    const [data, requiresGrad, hooks] = args;
    if (!isTensorRef(data!)) fail('_rebuild_parameter: data is not a tensor');
    if (typeof requiresGrad !== 'boolean') fail('_rebuild_parameter: requires_grad must be a bool');
    emptyHooks(hooks!, '_rebuild_parameter');
    return data!;
  });

  const orderedDict = new PickleGlobal('collections.OrderedDict', (args) => {
    if (args.length !== 0) fail('collections.OrderedDict is only rebuilt empty (items follow as SETITEMS)');
    return new PickleDict('OrderedDict');
  });

  const storageClasses = new Map<string, PickleGlobal>();

  return {
    findGlobal(module, name) {
      if (module === 'collections' && name === 'OrderedDict') return orderedDict;
      if (module === 'torch._utils' && name === '_rebuild_tensor_v2') return rebuildTensor;
      if (module === 'torch._utils' && name === '_rebuild_parameter') return rebuildParameter;
      // Storage classes are only ever data (the type in a persistent id), never called.
      if (module === 'torch' && /^[A-Za-z0-9_]+Storage$/.test(name)) {
        let global = storageClasses.get(name);
        if (!global) storageClasses.set(name, (global = new PickleGlobal(`torch.${name}`)));
        return global;
      }
      return null;
    },

    persistentLoad(pid) {
      const items = pid instanceof PickleTuple ? pid.items : [];
      if (items.length !== 5 || items[0] !== 'storage') {
        fail("a persistent id is not ('storage', StorageType, key, location, numel)");
      }
      const [, type, key, location, numel] = items;
      if (!(type instanceof PickleGlobal) || type.call !== null || !type.qualifiedName.startsWith('torch.')) {
        fail('a persistent id does not name a torch.*Storage class');
      }
      if (typeof key !== 'string' || !STORAGE_KEY.test(key))
        fail(`storage key ${JSON.stringify(key)} is not a plain name`);
      if (typeof location !== 'string') fail(`storage '${key}': location is not a string`);
      if (!isCount(numel!)) fail(`storage '${key}': numel must be a non-negative integer`);
      const storageClass = (type as PickleGlobal).qualifiedName.slice('torch.'.length);
      const known = Object.hasOwn(TORCH_STORAGE_DTYPES, storageClass)
        ? TORCH_STORAGE_DTYPES[storageClass as TorchStorageClass]
        : null;
      const previous = storages.get(key as string);
      if (previous) {
        if (previous.storageClass !== storageClass || previous.numel !== numel) {
          fail(`storage '${key}' is named twice with different types or sizes`);
        }
        return previous;
      }
      const ref: TorchStorageRef = {
        pickleType: 'storage',
        storageClass,
        dtype: known?.dtype ?? null,
        elementBytes: known?.bytes ?? 0,
        key: key as string,
        location: location as string,
        numel: numel as number,
      };
      storages.set(key as string, ref);
      return ref;
    },
  };
}
