// The restricted unpickler against pickles assembled by hand from the opcode definitions
// in CPython's pickletools: values, memo, marks, and the refusal of every opcode and
// global outside the weights-only set.
import { describe, expect, it } from 'vitest';
import { TorchFormatError } from './errors.js';
import {
  PICKLE_OPCODE_NAMES,
  PickleDict,
  PickleGlobal,
  type PickleTuple,
  type PickleValue,
  type UnpickleOptions,
  unpickle,
} from './pickle.js';

type Part = number | string | Part[];
/** Bytes from numbers, ASCII/UTF-8 strings and nested arrays of them. */
const bytesOf = (...parts: Part[]): Uint8Array => {
  const flat = (p: Part): number[] =>
    typeof p === 'number' ? [p] : typeof p === 'string' ? [...new TextEncoder().encode(p)] : p.flatMap(flat);
  return new Uint8Array(parts.flatMap(flat));
};
const u32le = (n: number) => [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
const binunicode = (s: string) => [
  0x58,
  ...u32le(new TextEncoder().encode(s).length),
  ...new TextEncoder().encode(s),
];

const noGlobals: UnpickleOptions = {
  file: 'f.bin',
  part: 'archive/data.pkl',
  findGlobal: () => null,
  persistentLoad: () => {
    throw new Error('no persistent ids here');
  },
};

function load(bytes: Uint8Array, options: Partial<UnpickleOptions> = {}): PickleValue {
  return unpickle(bytes, { ...noGlobals, ...options });
}

function refusal(bytes: Uint8Array, options: Partial<UnpickleOptions> = {}): TorchFormatError {
  try {
    load(bytes, options);
  } catch (error) {
    expect(error).toBeInstanceOf(TorchFormatError);
    return error as TorchFormatError;
  }
  throw new Error('expected a refusal');
}

describe('unpickle: values', () => {
  it('builds a dict of ints and strings (PROTO, EMPTY_DICT, MARK, BINUNICODE, BININT*, SETITEMS)', () => {
    // {'a': 5, 'b': -2, 'c': 513}
    const value = load(
      bytesOf(
        0x80,
        2,
        0x7d,
        0x28,
        binunicode('a'),
        0x4b,
        5,
        binunicode('b'),
        0x4a,
        0xfe,
        0xff,
        0xff,
        0xff,
        binunicode('c'),
        0x4d,
        0x01,
        0x02,
        0x75,
        0x2e,
      ),
    );
    expect(value).toBeInstanceOf(PickleDict);
    expect([...(value as PickleDict).items]).toEqual([
      ['a', 5],
      ['b', -2],
      ['c', 513],
    ]);
  });

  it('decodes LONG1 as little-endian two’s complement, big values as bigint', () => {
    const long1 = (...b: number[]) => load(bytesOf(0x80, 2, 0x8a, b.length, b, 0x2e));
    expect(long1()).toBe(0);
    expect(long1(0xff)).toBe(-1);
    expect(long1(0x00, 0x80)).toBe(-32768);
    expect(long1(0x00, 0x00, 0x00, 0x00, 0x00, 0x01)).toBe(2 ** 40);
    expect(long1(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)).toBe(2n ** 63n - 1n);
  });

  it('decodes BINFLOAT as a big-endian double', () => {
    expect(load(bytesOf(0x80, 2, 0x47, [0x3f, 0xf0, 0, 0, 0, 0, 0, 0], 0x2e))).toBe(1);
    expect(load(bytesOf(0x80, 2, 0x47, [0xc0, 0x24, 0, 0, 0, 0, 0, 0], 0x2e))).toBe(-10);
  });

  it('builds tuples, lists, booleans and None; the memo shares objects', () => {
    const value = load(
      bytesOf(
        [0x80, 2, 0x5d, 0x71, 0], // [] BINPUT 0
        0x28, // MARK
        [0x28, 0x88, 0x89, 0x4e, 0x74], // (True, False, None)
        [0x72, ...u32le(70000), 0x6a, ...u32le(70000)], // LONG_BINPUT 70000, LONG_BINGET 70000
        [0x4b, 1, 0x85], // (1,)
        [0x4b, 1, 0x4b, 2, 0x86], // (1, 2)
        [0x4b, 1, 0x4b, 2, 0x4b, 3, 0x87], // (1, 2, 3)
        0x29, // ()
        0x65, // APPENDS
        [0x4b, 9, 0x61], // APPEND 9
        [0x68, 0], // BINGET 0: the list itself
        [0x86, 0x2e], // TUPLE2, STOP
      ),
    ) as PickleTuple;
    const [list, again] = value.items as [PickleValue[], PickleValue[]];
    expect(again).toBe(list);
    expect(list).toHaveLength(7);
    expect(list[0]).toBe(list[1]);
    expect((list[0] as PickleTuple).items).toEqual([true, false, null]);
    expect(list.slice(2, 6).map((t) => (t as PickleTuple).items)).toEqual([[1], [1, 2], [1, 2, 3], []]);
    expect(list[6]).toBe(9);
  });

  it('reads protocol 4: FRAME, SHORT_BINUNICODE, BINUNICODE8, MEMOIZE', () => {
    const value = load(
      bytesOf(
        [0x80, 4, 0x95, 20, 0, 0, 0, 0, 0, 0, 0],
        [0x8c, 2, 'hi', 0x94],
        [0x8d, 3, 0, 0, 0, 0, 0, 0, 0, 'abc'],
        [0x68, 0, 0x87, 0x2e],
      ),
    ) as PickleTuple;
    expect(value.items).toEqual(['hi', 'abc', 'hi']);
  });

  it('resolves allowed globals through the caller and calls them only by REDUCE', () => {
    const calls: PickleValue[][] = [];
    const make = new PickleGlobal('m.make', (args) => {
      calls.push([...args]);
      return 'made';
    });
    const seen: string[] = [];
    const findGlobal = (module: string, name: string) => {
      seen.push(`${module}.${name}`);
      return module === 'm' && name === 'make' ? make : null;
    };
    // GLOBAL 'm make', STACK_GLOBAL of the same, REDUCE each with (1,) and ()
    const value = load(
      bytesOf(
        [0x80, 4, 0x63, 'm\nmake\n', 0x4b, 1, 0x85, 0x52],
        [0x8c, 1, 'm', 0x8c, 4, 'make', 0x93, 0x29, 0x52],
        [0x86, 0x2e],
      ),
      { findGlobal },
    ) as PickleTuple;
    expect(value.items).toEqual(['made', 'made']);
    expect(seen).toEqual(['m.make', 'm.make']);
    expect(calls).toEqual([[1], []]);
  });

  it('applies BUILD to an OrderedDict as attributes (torch state dicts carry _metadata)', () => {
    const ordered = new PickleGlobal('collections.OrderedDict', () => new PickleDict('OrderedDict'));
    const value = load(
      bytesOf(
        [0x80, 2, 0x63, 'collections\nOrderedDict\n', 0x29, 0x52],
        [0x7d, binunicode('_metadata'), 0x4b, 1, 0x73, 0x62, 0x2e],
      ),
      { findGlobal: () => ordered },
    ) as PickleDict;
    expect(value.kind).toBe('OrderedDict');
    expect(value.items.size).toBe(0);
    expect([...value.attributes]).toEqual([['_metadata', 1]]);
  });
});

describe('unpickle: refusals', () => {
  it('refuses a global outside the allow-list at the GLOBAL, before any REDUCE', () => {
    // PROTO 2, GLOBAL 'os system', BINUNICODE 'touch …', TUPLE1, REDUCE, STOP
    const error = refusal(
      bytesOf([0x80, 2, 0x63, 'os\nsystem\n'], binunicode('touch /tmp/x'), [0x85, 0x52, 0x2e]),
    );
    expect(error.code).toBe('TORCH_FORBIDDEN_GLOBAL');
    expect(error.message).toMatch(/^f\.bin: refusing global 'os\.system' at byte 2 of archive\/data\.pkl/);
    expect(error.message).toMatch(/nothing from this file was run/);
  });

  it('refuses STACK_GLOBAL of a forbidden name', () => {
    const error = refusal(bytesOf([0x80, 4, 0x8c, 8, 'builtins', 0x8c, 4, 'eval', 0x93, 0x2e]));
    expect(error.code).toBe('TORCH_FORBIDDEN_GLOBAL');
    expect(error.message).toMatch(/refusing global 'builtins\.eval' at byte 18/);
  });

  const allowed = new Set([
    'PROTO',
    'FRAME',
    'GLOBAL',
    'STACK_GLOBAL',
    'REDUCE',
    'BUILD',
    'MARK',
    'TUPLE',
    'TUPLE1',
    'TUPLE2',
    'TUPLE3',
    'EMPTY_TUPLE',
    'EMPTY_LIST',
    'EMPTY_DICT',
    'SETITEM',
    'SETITEMS',
    'APPEND',
    'APPENDS',
    'BININT',
    'BININT1',
    'BININT2',
    'LONG1',
    'BINFLOAT',
    'BINUNICODE',
    'SHORT_BINUNICODE',
    'BINUNICODE8',
    'BINPERSID',
    'BINGET',
    'LONG_BINGET',
    'BINPUT',
    'LONG_BINPUT',
    'MEMOIZE',
    'NEWTRUE',
    'NEWFALSE',
    'NONE',
    'STOP',
  ]);

  it('refuses every other pickle opcode by name', () => {
    const forbidden = [...PICKLE_OPCODE_NAMES].filter(([, name]) => !allowed.has(name));
    expect(forbidden.map(([, n]) => n)).toEqual(
      expect.arrayContaining(['INST', 'OBJ', 'NEWOBJ', 'EXT1', 'PERSID', 'STRING', 'LONG4']),
    );
    for (const [byte, name] of forbidden) {
      const error = refusal(bytesOf(0x80, 2, 0x4e, byte, 0x2e));
      expect(error.code).toBe('TORCH_FORBIDDEN_OPCODE');
      expect(error.message).toContain(
        `refusing pickle opcode ${name} (0x${byte.toString(16).padStart(2, '0')}) at byte 3`,
      );
    }
  });

  it('refuses bytes that are no opcode at all', () => {
    for (const byte of [0xff, 0x99, 0x00, 0x7f]) {
      const error = refusal(bytesOf(0x80, 2, byte, 0x2e));
      expect(error.code).toBe('TORCH_UNKNOWN_OPCODE');
      expect(error.message).toContain(`byte 0x${byte.toString(16).padStart(2, '0')} at byte 2`);
    }
  });

  it.each([
    ['a truncated string', bytesOf(0x80, 2, 0x58, 10, 0, 0, 0, 'abc'), /ends in the middle of an opcode/],
    ['no STOP', bytesOf(0x80, 2, 0x4e), /ends without STOP/],
    ['stack underflow', bytesOf(0x80, 2, 0x85, 0x2e), /stack underflow/],
    ['TUPLE without MARK', bytesOf(0x80, 2, 0x4e, 0x74, 0x2e), /no MARK/],
    ['an unknown memo index', bytesOf(0x80, 2, 0x68, 3, 0x2e), /memo entry 3 was never stored/],
    ['items left at STOP', bytesOf(0x80, 2, 0x4e, 0x4e, 0x2e), /STOP with 1 item/],
    [
      'APPEND to a dict',
      bytesOf(0x80, 2, 0x7d, 0x4e, 0x61, 0x2e),
      /APPEND\(S\) on something that is not a list/,
    ],
    [
      'SETITEM on a list',
      bytesOf(0x80, 2, 0x5d, 0x4e, 0x4e, 0x73, 0x2e),
      /SETITEM\(S\) on something that is not a dict/,
    ],
    [
      'a tuple as a dict key',
      bytesOf(0x80, 2, 0x7d, 0x29, 0x4e, 0x73, 0x2e),
      /dict key that is not a string/,
    ],
    [
      'BUILD on a plain dict',
      bytesOf(0x80, 2, 0x7d, 0x7d, 0x62, 0x2e),
      /BUILD is only allowed on an OrderedDict/,
    ],
    [
      'REDUCE of a non-global',
      bytesOf(0x80, 2, 0x4e, 0x29, 0x52, 0x2e),
      /REDUCE of something that is not a global/,
    ],
    ['protocol 9', bytesOf(0x80, 9, 0x4e, 0x2e), /pickle protocol 9 does not exist/],
    ['invalid UTF-8', bytesOf(0x80, 2, 0x8c, 1, 0xff, 0x2e), /not valid UTF-8/],
    [
      'a BINUNICODE8 length past the end',
      bytesOf(0x80, 4, 0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x2e),
      /runs past the end/,
    ],
  ])('refuses %s as TORCH_PICKLE_INVALID', (_, bytes, message) => {
    const error = refusal(bytes);
    expect(error.code).toBe('TORCH_PICKLE_INVALID');
    expect(error.message).toMatch(message);
  });

  it('refuses REDUCE of a global that is data only', () => {
    const storage = new PickleGlobal('torch.FloatStorage');
    const error = refusal(bytesOf([0x80, 2, 0x63, 'torch\nFloatStorage\n', 0x29, 0x52, 0x2e]), {
      findGlobal: () => storage,
    });
    expect(error.message).toMatch(/torch\.FloatStorage cannot be called/);
  });
});
