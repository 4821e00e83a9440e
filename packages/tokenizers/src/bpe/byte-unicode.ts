// GPT-2's reversible byte ↔ unicode map: every byte becomes a printable character
// (space → Ġ, newline → Ċ) so that BPE vocabularies are plain strings.

function buildByteToChar(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b); // '!' … '~'
  for (let b = 161; b <= 172; b++) printable.push(b); // '¡' … '¬'
  for (let b = 174; b <= 255; b++) printable.push(b); // '®' … 'ÿ'
  const chars = new Array<string>(256);
  for (const b of printable) chars[b] = String.fromCharCode(b);
  // The other bytes (controls, space, soft hyphen, …) take code points 256, 257, … in byte order.
  let next = 256;
  for (let b = 0; b < 256; b++) if (chars[b] === undefined) chars[b] = String.fromCharCode(next++);
  return chars;
}

/** `BYTE_TO_CHAR[b]` is the character that stands for byte `b`. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

/** Character code → byte; -1 for characters outside the map. */
export const CHAR_TO_BYTE: Int16Array = (() => {
  const table = new Int16Array(512).fill(-1);
  BYTE_TO_CHAR.forEach((char, byte) => {
    table[char.charCodeAt(0)] = byte;
  });
  return table;
})();

/** The 256 byte characters in GPT-2's vocabulary order (printable ones first). */
export const BYTE_ALPHABET: readonly number[] = (() => {
  const bytes = Array.from({ length: 256 }, (_, b) => b);
  return bytes.sort((x, y) => BYTE_TO_CHAR[x]!.charCodeAt(0) - BYTE_TO_CHAR[y]!.charCodeAt(0));
})();

/** UTF-8 bytes of `text` as the byte-level string GPT-2's vocabulary uses ("Ġhello"). */
export function toByteLevel(text: string): string {
  let out = '';
  for (const byte of utf8Encode(text)) out += BYTE_TO_CHAR[byte];
  return out;
}

/** Bytes of a byte-level string, or undefined if it holds a character outside the map. */
export function fromByteLevel(token: string): Uint8Array | undefined {
  const bytes = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) {
    const code = token.charCodeAt(i);
    const byte = code < 512 ? CHAR_TO_BYTE[code]! : -1;
    if (byte < 0) return undefined;
    bytes[i] = byte;
  }
  return bytes;
}

const encoder = new TextEncoder();

export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}
