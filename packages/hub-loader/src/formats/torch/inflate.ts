// Raw-deflate decompression for zip entries, bounded by the size the entry declares (a
// zip bomb stops there). The default uses the web platform's DecompressionStream; Node
// callers pass ./inflate.node.ts's zlib version. PyTorch itself writes stored entries,
// so this only runs for archives re-zipped by other tools.

/** Inflates a raw deflate stream that must decode to exactly `expectedSize` bytes; null when it does not. */
export type InflateRaw = (data: Uint8Array, expectedSize: number) => Promise<Uint8Array | null>;

export const inflateRawWeb: InflateRaw = async (data, expectedSize) => {
  const stream = new Blob([data as Uint8Array<ArrayBuffer>])
    .stream()
    .pipeThrough(new DecompressionStream('deflate-raw'));
  const out = new Uint8Array(expectedSize);
  let length = 0;
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (length + value.byteLength > expectedSize) return null;
      out.set(value, length);
      length += value.byteLength;
    }
  } catch {
    return null;
  } finally {
    reader.releaseLock();
  }
  return length === expectedSize ? out : null;
};
