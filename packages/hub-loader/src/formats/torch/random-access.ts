// The one thing the zip and pickle readers need from storage: bytes at an offset. A file
// handle (./file-reader.node.ts), an in-memory buffer (here) or, in a browser, HTTP Range
// requests can all provide it, so the parsers stay free of `node:` imports.

export interface RandomAccessReader {
  /** The file path or URL, for messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Whether every `read` returns a new buffer that the caller may keep and reuse as its
   * own (a file reader); false when results may be views into the reader's bytes. A
   * fresh F32 read becomes the tensor's data without another copy.
   */
  readonly fresh: boolean;
  /**
   * Exactly `length` bytes starting at `offset` (the caller keeps within `size`). The
   * caller must not modify the result: it may be a view into the reader's own bytes.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases the underlying handle; safe to call twice. */
  close(): Promise<void>;
}

/** A reader over bytes already in memory (tests, or a file fetched whole). */
export function bytesReader(bytes: Uint8Array, name = '<buffer>'): RandomAccessReader {
  return {
    name,
    size: bytes.byteLength,
    fresh: false,
    read: async (offset, length) => {
      if (offset < 0 || length < 0 || offset + length > bytes.byteLength) {
        throw new RangeError(
          `${name}: read of ${length} bytes at ${offset} is outside its ${bytes.byteLength} bytes`,
        );
      }
      return bytes.subarray(offset, offset + length);
    },
    close: async () => {},
  };
}
