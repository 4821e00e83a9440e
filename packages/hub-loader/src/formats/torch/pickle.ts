// A restricted unpickler: the opcodes `torch.load(weights_only=True)` accepts and nothing
// else. It builds only plain data (numbers, strings, tuples, lists, dicts); a GLOBAL is
// resolved through the caller's allow-list and can only be one of the caller's own
// functions, so nothing in a file chooses what runs — any other global or opcode is an
// error naming it and the byte where it sits.
import { TorchFormatError } from './errors.js';

/** A Python tuple. */
export class PickleTuple {
  constructor(readonly items: readonly PickleValue[]) {}
}

/** A dict key the reader accepts (torch's are strings; ints appear in `_metadata`). */
export type PickleKey = string | number | bigint | boolean | null;

/** A Python dict or collections.OrderedDict (insertion order kept either way). */
export class PickleDict {
  readonly items = new Map<PickleKey, PickleValue>();
  /** Attributes set by BUILD (an OrderedDict's `_metadata`). */
  readonly attributes = new Map<string, PickleValue>();
  constructor(readonly kind: 'dict' | 'OrderedDict') {}
}

/** What an allowed global resolves to: a name and, if REDUCE may call it, the caller's function. */
export class PickleGlobal {
  constructor(
    /** `module.name`, for messages. */
    readonly qualifiedName: string,
    /** REDUCE: the result of calling it with `args`; null when it is not callable (a storage class). */
    readonly call: ((args: readonly PickleValue[]) => PickleValue) | null = null,
  ) {}
}

/** An object the caller's functions build (a storage, a tensor); `pickleType` names it in messages. */
export interface PickleObject {
  readonly pickleType: string;
}

export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PickleValue[]
  | PickleTuple
  | PickleDict
  | PickleGlobal
  | PickleObject;

export interface UnpickleOptions {
  /** The file, for messages (`pytorch_model.bin`). */
  readonly file: string;
  /** The pickle's name inside the file (`archive/data.pkl`), for messages. */
  readonly part: string;
  /** The allow-list: the global for `module.name`, or null to refuse it. */
  readonly findGlobal: (module: string, name: string) => PickleGlobal | null;
  /** BINPERSID: the object a persistent id stands for (torch: a storage). */
  readonly persistentLoad: (pid: PickleValue) => PickleValue;
}

/** Every opcode of pickle protocols 0–5 by byte, so a refusal can name what it refused. */
export const PICKLE_OPCODE_NAMES: ReadonlyMap<number, string> = new Map(
  (
    [
      ['(', 'MARK'],
      ['.', 'STOP'],
      ['0', 'POP'],
      ['1', 'POP_MARK'],
      ['2', 'DUP'],
      ['F', 'FLOAT'],
      ['I', 'INT'],
      ['J', 'BININT'],
      ['K', 'BININT1'],
      ['L', 'LONG'],
      ['M', 'BININT2'],
      ['N', 'NONE'],
      ['P', 'PERSID'],
      ['Q', 'BINPERSID'],
      ['R', 'REDUCE'],
      ['S', 'STRING'],
      ['T', 'BINSTRING'],
      ['U', 'SHORT_BINSTRING'],
      ['V', 'UNICODE'],
      ['X', 'BINUNICODE'],
      ['a', 'APPEND'],
      ['b', 'BUILD'],
      ['c', 'GLOBAL'],
      ['d', 'DICT'],
      ['}', 'EMPTY_DICT'],
      ['e', 'APPENDS'],
      ['g', 'GET'],
      ['h', 'BINGET'],
      ['i', 'INST'],
      ['j', 'LONG_BINGET'],
      ['l', 'LIST'],
      [']', 'EMPTY_LIST'],
      ['o', 'OBJ'],
      ['p', 'PUT'],
      ['q', 'BINPUT'],
      ['r', 'LONG_BINPUT'],
      ['s', 'SETITEM'],
      ['t', 'TUPLE'],
      [')', 'EMPTY_TUPLE'],
      ['u', 'SETITEMS'],
      ['G', 'BINFLOAT'],
      ['B', 'BINBYTES'],
      ['C', 'SHORT_BINBYTES'],
    ] as const
  )
    .map(([c, name]): [number, string] => [c.charCodeAt(0), name])
    .concat([
      [0x80, 'PROTO'],
      [0x81, 'NEWOBJ'],
      [0x82, 'EXT1'],
      [0x83, 'EXT2'],
      [0x84, 'EXT4'],
      [0x85, 'TUPLE1'],
      [0x86, 'TUPLE2'],
      [0x87, 'TUPLE3'],
      [0x88, 'NEWTRUE'],
      [0x89, 'NEWFALSE'],
      [0x8a, 'LONG1'],
      [0x8b, 'LONG4'],
      [0x8c, 'SHORT_BINUNICODE'],
      [0x8d, 'BINUNICODE8'],
      [0x8e, 'BINBYTES8'],
      [0x8f, 'EMPTY_SET'],
      [0x90, 'ADDITEMS'],
      [0x91, 'FROZENSET'],
      [0x92, 'NEWOBJ_EX'],
      [0x93, 'STACK_GLOBAL'],
      [0x94, 'MEMOIZE'],
      [0x95, 'FRAME'],
      [0x96, 'BYTEARRAY8'],
      [0x97, 'NEXT_BUFFER'],
      [0x98, 'READONLY_BUFFER'],
    ]),
);

/** The highest pickle protocol there is (5, Python 3.8). */
const MAX_PROTOCOL = 5;
/** GLOBAL's module and name lines; real ones are a few dozen characters. */
const MAX_GLOBAL_LINE = 1024;

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

/** Runs the restricted unpickler over `bytes` and returns the pickled object. */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let pos = 0;
  let opcodeAt = 0;

  const where = (): string => `byte ${opcodeAt} of ${options.part}`;
  const fail = (message: string): never => {
    throw new TorchFormatError('TORCH_PICKLE_INVALID', options.file, `${message} (at ${where()})`);
  };
  const need = (n: number): number => {
    if (n < 0 || pos + n > bytes.byteLength) fail(`the pickle ends in the middle of an opcode (truncated?)`);
    const at = pos;
    pos += n;
    return at;
  };
  const pop = (): PickleValue => {
    const value = stack.pop();
    if (value === undefined) fail('stack underflow');
    if (value === MARK) fail('unexpected MARK on the stack');
    return value as PickleValue;
  };
  const top = (): PickleValue => {
    const value = stack[stack.length - 1];
    if (value === undefined || value === MARK) fail('stack underflow');
    return value as PickleValue;
  };
  /** Pops everything down to the topmost MARK (removed too) and returns it in order. */
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('no MARK to pop to');
    const items = stack.splice(at + 1) as PickleValue[];
    stack.pop();
    return items;
  };
  const readString = (length: number): string => {
    const at = need(length);
    try {
      return utf8.decode(bytes.subarray(at, at + length));
    } catch {
      return fail('a string is not valid UTF-8');
    }
  };
  const readLine = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0 || end - pos > MAX_GLOBAL_LINE) fail('a GLOBAL name is not a newline-terminated line');
    const line = String.fromCharCode(...bytes.subarray(pos, end));
    pos = end + 1;
    return line;
  };
  const u64 = (at: number): number => {
    const value = view.getBigUint64(at, true);
    if (value > BigInt(bytes.byteLength)) fail(`a length of ${value} bytes runs past the end of the pickle`);
    return Number(value);
  };
  const resolveGlobal = (module: string, name: string): PickleGlobal => {
    const found = options.findGlobal(module, name);
    if (!found) {
      throw new TorchFormatError(
        'TORCH_FORBIDDEN_GLOBAL',
        options.file,
        `refusing global '${module}.${name}' at ${where()}: a weights-only checkpoint may only name ` +
          'collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter and torch.*Storage ' +
          '(nothing from this file was run)',
      );
    }
    return found;
  };
  const setItems = (target: PickleValue, pairs: PickleValue[]): void => {
    if (!(target instanceof PickleDict)) fail('SETITEM(S) on something that is not a dict');
    if (pairs.length % 2 !== 0) fail('SETITEMS with an odd number of items');
    for (let i = 0; i < pairs.length; i += 2) {
      const key = pairs[i]!;
      if (key !== null && typeof key === 'object') fail('a dict key that is not a string or number');
      (target as PickleDict).items.set(key as PickleKey, pairs[i + 1]!);
    }
  };
  const append = (target: PickleValue, items: PickleValue[]): void => {
    if (!Array.isArray(target)) fail('APPEND(S) on something that is not a list');
    (target as PickleValue[]).push(...items);
  };
  const memoGet = (index: number): PickleValue => {
    const value = memo.get(index);
    if (value === undefined) fail(`memo entry ${index} was never stored`);
    return value as PickleValue;
  };

  while (pos < bytes.byteLength) {
    opcodeAt = pos;
    const op = bytes[pos++]!;
    switch (op) {
      case 0x80: {
        // PROTO
        const protocol = bytes[need(1)]!;
        if (protocol > MAX_PROTOCOL) fail(`pickle protocol ${protocol} does not exist`);
        break;
      }
      case 0x95: // FRAME: a length hint for buffered readers; the bytes are already here.
        need(8);
        break;
      case 0x63: {
        // GLOBAL 'module\nname\n'
        const module = readLine();
        const name = readLine();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL (protocol 4)
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE: callable(*args)
        const args = pop();
        const callable = pop();
        if (!(args instanceof PickleTuple)) fail('REDUCE arguments are not a tuple');
        if (!(callable instanceof PickleGlobal)) fail('REDUCE of something that is not a global');
        const { call, qualifiedName } = callable as PickleGlobal;
        if (!call) fail(`${qualifiedName} cannot be called`);
        stack.push(call!((args as PickleTuple).items));
        break;
      }
      case 0x62: {
        // BUILD: weights_only allows it on an OrderedDict only (its attributes, e.g. _metadata).
        const state = pop();
        const target = top();
        if (!(target instanceof PickleDict) || target.kind !== 'OrderedDict') {
          fail('BUILD is only allowed on an OrderedDict');
        }
        if (!(state instanceof PickleDict)) fail('BUILD state is not a dict');
        for (const [key, value] of (state as PickleDict).items) {
          if (typeof key !== 'string') fail('BUILD state has a key that is not a string');
          (target as PickleDict).attributes.set(key as string, value);
        }
        break;
      }
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x74: // TUPLE
        stack.push(new PickleTuple(popMark()));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PickleTuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(new PickleTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PickleTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PickleTuple([pop(), b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x7d: // EMPTY_DICT
        stack.push(new PickleDict('dict'));
        break;
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const pairs = popMark();
        setItems(top(), pairs);
        break;
      }
      case 0x61: {
        // APPEND
        const value = pop();
        append(top(), [value]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x4a: // BININT: 4-byte signed
        stack.push(view.getInt32(need(4), true));
        break;
      case 0x4b: // BININT1: 1-byte unsigned
        stack.push(bytes[need(1)]!);
        break;
      case 0x4d: // BININT2: 2-byte unsigned
        stack.push(view.getUint16(need(2), true));
        break;
      case 0x8a: {
        // LONG1: n-byte little-endian two's complement
        const n = bytes[need(1)]!;
        const at = need(n);
        let value = 0n;
        for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]!);
        if (n > 0 && bytes[at + n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
        const small = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
        stack.push(small ? Number(value) : value);
        break;
      }
      case 0x47: // BINFLOAT: 8-byte big-endian double
        stack.push(view.getFloat64(need(8), false));
        break;
      case 0x58: // BINUNICODE: 4-byte length
        stack.push(readString(view.getUint32(need(4), true)));
        break;
      case 0x8c: // SHORT_BINUNICODE: 1-byte length
        stack.push(readString(bytes[need(1)]!));
        break;
      case 0x8d: // BINUNICODE8: 8-byte length
        stack.push(readString(u64(need(8))));
        break;
      case 0x51: // BINPERSID
        stack.push(options.persistentLoad(pop()));
        break;
      case 0x68: // BINGET
        stack.push(memoGet(bytes[need(1)]!));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(view.getUint32(need(4), true)));
        break;
      case 0x71: // BINPUT
        memo.set(bytes[need(1)]!, top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(view.getUint32(need(4), true), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x2e: {
        // STOP
        const result = pop();
        if (stack.length > 0) fail(`STOP with ${stack.length} item(s) left on the stack`);
        return result;
      }
      default: {
        const name = PICKLE_OPCODE_NAMES.get(op);
        const byte = `0x${op.toString(16).padStart(2, '0')}`;
        if (name) {
          throw new TorchFormatError(
            'TORCH_FORBIDDEN_OPCODE',
            options.file,
            `refusing pickle opcode ${name} (${byte}) at ${where()}: torch.load(weights_only=True) does not allow it ` +
              'and a state dict never needs it (nothing from this file was run)',
          );
        }
        throw new TorchFormatError(
          'TORCH_UNKNOWN_OPCODE',
          options.file,
          `byte ${byte} at ${where()} is not a pickle opcode (corrupt or not a pickle)`,
        );
      }
    }
  }
  return fail('the pickle ends without STOP (truncated?)');
}
