// Node's raw-deflate decompression (zlib) for zip entries, capped at the declared size.
import { inflateRaw } from 'node:zlib';
import type { InflateRaw } from './inflate.js';

export const inflateRawNode: InflateRaw = (data, expectedSize) =>
  new Promise((resolve) => {
    // maxOutputLength stops a bomb at the declared size (+1 so "too long" is detectable).
    inflateRaw(data, { maxOutputLength: expectedSize + 1 }, (error, result) => {
      if (error || result.byteLength !== expectedSize) resolve(null);
      else resolve(new Uint8Array(result.buffer, result.byteOffset, result.byteLength));
    });
  });
