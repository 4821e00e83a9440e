// safetensors per the spec: hand-crafted bytes, a Python-written file, bit-exact round trips, errors.
import '@tensorlm/backend-cpu';
import { readFileSync } from 'node:fs';
import { manualSeed } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { GPT2LMHeadModel } from '../models/gpt.js';
import { bf16BitsToNumber, f16BitsToNumber } from './dtypes.js';
import { parseSafetensors, SafetensorsError } from './read.js';
import { safetensorsToStateDict, stateDictToSafetensors } from './state-dict.js';
import { serializeSafetensors } from './write.js';

/** A file laid out by hand from the spec: u64 LE header length, JSON header padded with spaces, data. */
function handCrafted(header: string, data: number[]): Uint8Array {
  const padded = header + ' '.repeat((8 - ((8 + header.length) % 8)) % 8);
  const out = new Uint8Array(8 + padded.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded.length), true);
  out.set(new TextEncoder().encode(padded), 8);
  out.set(data, 8 + padded.length);
  return out;
}

const HEADER =
  '{"__metadata__":{"format":"pt"},' +
  '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
  '"b":{"dtype":"F16","shape":[2,3],"data_offsets":[8,20]},' +
  '"c":{"dtype":"BF16","shape":[3],"data_offsets":[20,26]}}';
// prettier-ignore
const DATA = [
  0x00,
  0x00,
  0x80,
  0x3f,
  0x00,
  0x00,
  0x00,
  0xc0, // a: 1.0, −2.0 (F32 LE)
  0x00,
  0x3c,
  0x00,
  0xc0,
  0x00,
  0x38, // b: 1.0, −2.0, 0.5 (F16 LE)
  0x01,
  0x00,
  0x00,
  0x7c,
  0x00,
  0x7e, //    2^−24 (smallest subnormal), +∞, NaN
  0x80,
  0x3f,
  0x00,
  0xc0,
  0x49,
  0x40, // c: 1.0, −2.0, 3.140625 (BF16 LE)
];

describe('safetensors reader', () => {
  it('reads a hand-crafted file per the spec: metadata, F32, F16 (subnormal, ∞, NaN) and BF16', () => {
    const bytes = handCrafted(HEADER, DATA);
    expect((8 + Number(new DataView(bytes.buffer).getBigUint64(0, true))) % 8).toBe(0);
    const file = parseSafetensors(bytes, { source: 'hand.safetensors' });
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(file.names()).toEqual(['a', 'b', 'c']);
    expect(file.get('a')).toEqual({ dtype: 'f32', shape: [2], data: new Float32Array([1, -2]) });
    const b = file.get('b');
    expect(b.shape).toEqual([2, 3]);
    expect([...b.data].slice(0, 5)).toEqual([1, -2, 0.5, 2 ** -24, Number.POSITIVE_INFINITY]);
    expect(Number.isNaN(b.data[5])).toBe(true);
    expect([...file.get('c').data]).toEqual([1, -2, 3.140625]);
  });

  it('reads a file written by the reference Python library (safetensors 0.8.0, numpy)', () => {
    const bytes = readFileSync(new URL('./fixtures/python-numpy.safetensors', import.meta.url));
    const file = parseSafetensors(bytes, { source: 'python-numpy.safetensors' });
    expect(file.metadata).toEqual({ format: 'pt', source: 'safetensors 0.8.0' });
    expect(file.get('weight')).toEqual({
      dtype: 'f32',
      shape: [2, 3],
      data: new Float32Array([1, -2.5, 0.125, 3e-8, 65504, -0]),
    });
    expect(Object.is(file.get('weight').data[5], -0)).toBe(true);
    expect([...file.get('half').data]).toEqual([1, -2, 0.5, 65504, 2 ** -24, Number.POSITIVE_INFINITY]);
    expect(file.get('position_ids')).toEqual({
      dtype: 'i32',
      shape: [1, 5],
      data: new Int32Array([0, 1, 2, 3, 4]),
    });
    expect(file.get('scalar')).toEqual({ dtype: 'f32', shape: [], data: new Float32Array([7.25]) });
  });

  it('decodes half and bfloat16 bit patterns exactly', () => {
    expect(f16BitsToNumber(0x3555)).toBe(0.333251953125);
    expect(f16BitsToNumber(0x7bff)).toBe(65504);
    expect(f16BitsToNumber(0x0400)).toBe(2 ** -14); // smallest normal
    expect(f16BitsToNumber(0x8000)).toBe(-0);
    expect(f16BitsToNumber(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(bf16BitsToNumber(0x3f80)).toBe(1);
    expect(bf16BitsToNumber(0xc2f7)).toBe(-123.5);
  });
});

describe('safetensors writer', () => {
  it('round-trips bit-exactly, NaN payloads, −0, subnormals and ∞ included', () => {
    const bits = new Uint32Array([
      0x7fc00001, 0x80000000, 0x00000001, 0x7f800000, 0xff800000, 0x3eaaaaab, 0x12345678,
    ]);
    const f32 = new Float32Array(bits.buffer);
    const bytes = serializeSafetensors(
      [
        ['w', { dtype: 'f32', shape: [7], data: f32 }],
        ['ids', { dtype: 'i32', shape: [2, 2], data: new Int32Array([-1, 0, 2147483647, -2147483648]) }],
        ['mask', { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) }],
        ['empty', { dtype: 'f32', shape: [0, 4], data: new Float32Array(0) }],
      ],
      { metadata: { format: 'pt', note: 'ünïcode' } },
    );
    const file = parseSafetensors(bytes);
    expect(new Uint32Array((file.get('w').data as Float32Array).buffer)).toEqual(bits);
    expect(file.get('ids').data).toEqual(new Int32Array([-1, 0, 2147483647, -2147483648]));
    expect(file.get('mask')).toEqual({ dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) });
    expect(file.get('empty').shape).toEqual([0, 4]);
    expect(file.metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    // Re-encoding what was read gives the same bytes.
    expect(
      serializeSafetensors(
        file.names().map((n) => [n, file.get(n)]),
        { metadata: file.metadata },
      ),
    ).toEqual(bytes);
  });

  it('pads the header with spaces so the data starts 8-byte aligned', () => {
    for (const name of ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef', 'abcdefg', 'abcdefgh']) {
      const bytes = serializeSafetensors([[name, { dtype: 'f32', shape: [1], data: new Float32Array([1]) }]]);
      const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
      expect((8 + n) % 8).toBe(0);
      const header = new TextDecoder().decode(bytes.subarray(8, 8 + n));
      expect(header.trimEnd()).toBe(`{"${name}":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`);
      expect(header.slice(header.trimEnd().length)).toMatch(/^ *$/);
    }
  });

  it('a model state dict round-trips bit-exactly through safetensors', async () => {
    manualSeed(41);
    const model = new GPT2LMHeadModel({ vocabSize: 13, blockSize: 8, nLayer: 1, nHead: 2, nEmbd: 8 });
    const sd = model.stateDict({ dedupeTied: true });
    const bytes = await stateDictToSafetensors(sd, { metadata: { format: 'pt' } });
    const back = safetensorsToStateDict(bytes);
    expect([...back.keys()]).toEqual([...sd.keys()]);
    for (const [name, t] of sd) {
      const a = new Uint32Array(((await t.data()) as Float32Array).buffer);
      const b = new Uint32Array(((await back.get(name)!.data()) as Float32Array).buffer);
      expect(b, name).toEqual(a);
    }
    for (const t of [...sd.values(), ...back.values()]) t.dispose();
    model.dispose();
  });
});

describe('safetensors errors name the file and the bad tensor', () => {
  const valid = () => handCrafted(HEADER, DATA);
  const error = (bytes: Uint8Array) => {
    try {
      parseSafetensors(bytes, { source: 'model.safetensors' });
    } catch (e) {
      return e as SafetensorsError;
    }
    throw new Error('expected a SafetensorsError');
  };

  it('a truncated data section names the first tensor that runs past the end', () => {
    const e = error(valid().subarray(0, valid().length - 3));
    expect(e).toBeInstanceOf(SafetensorsError);
    expect(e.file).toBe('model.safetensors');
    expect(e.tensor).toBe('c');
    expect(e.message).toBe(
      "model.safetensors: tensor 'c': data_offsets [20, 26] run past the end of the 23-byte data section (file truncated?)",
    );
    expect(error(valid().subarray(0, valid().length - 10)).tensor).toBe('b');
  });

  it('a truncated header or length is refused', () => {
    expect(error(valid().subarray(0, 5)).message).toMatch(/5 bytes is too short.*truncated/);
    expect(error(valid().subarray(0, 60)).message).toMatch(/header claims \d+ bytes but only 52 follow/);
  });

  it('corrupt headers are refused with the reason', () => {
    const flipped = valid();
    flipped[8] = 0x5b; // '{' → '['
    expect(error(flipped).message).toMatch(/header is not valid JSON|header must be a JSON object/);
    const huge = valid();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(error(huge).message).toMatch(/header length 1099511627776 is over 100000000 bytes/);
    const wrongSize = handCrafted(
      '{"x":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}',
      new Array(8).fill(0),
    );
    expect(error(wrongSize).message).toBe(
      "model.safetensors: tensor 'x': F32 [3] needs 12 bytes but data_offsets [0, 8] span 8",
    );
    const unknown = handCrafted(
      '{"x":{"dtype":"F128","shape":[1],"data_offsets":[0,16]}}',
      new Array(16).fill(0),
    );
    expect(error(unknown).message).toMatch(/tensor 'x': unknown dtype "F128"/);
    const gap = handCrafted(
      '{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"y":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}}',
      [1, 2, 3, 4, 5],
    );
    expect(error(gap).message).toMatch(/tensor 'y': data_offsets \[3, 5\] leave a gap after byte 2/);
    const overlap = handCrafted(
      '{"x":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"y":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}',
      [1, 2, 3],
    );
    expect(error(overlap).tensor).toBe('y');
    const trailing = handCrafted('{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', [1, 2]);
    expect(error(trailing).message).toMatch(/cover 1 bytes but the data section has 2/);
    const badMeta = handCrafted('{"__metadata__":{"n":1}}', []);
    expect(error(badMeta).message).toMatch(/__metadata__ must be an object of string values/);
  });

  it('an I64 value outside i32 names the tensor when decoded', () => {
    const big = handCrafted(
      '{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}',
      [0, 0, 0, 0, 1, 0, 0, 0],
    );
    expect(() => parseSafetensors(big, { source: 'f' }).get('ids')).toThrow(
      "f: tensor 'ids': element 0 of this I64 tensor does not fit in i32",
    );
  });
});
