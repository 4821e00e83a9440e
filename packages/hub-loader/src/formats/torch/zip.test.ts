// The zip reader against archives from three independent writers (torch.save's miniz,
// CPython's zipfile deflated, CPython's zipfile with ZIP64 records), a hand-laid archive,
// the CRC-32 check value, and hostile directories.
import { describe, expect, it } from 'vitest';
import { countingReader, fixtureBytes } from '../../../test/torch-fixtures.js';
import { TorchFormatError } from './errors.js';
import { inflateRawWeb } from './inflate.js';
import { inflateRawNode } from './inflate.node.js';
import { bytesReader } from './random-access.js';
import { crc32, isSafeEntryName, ZipArchive } from './zip.js';

const ascii = (s: string) => new TextEncoder().encode(s);

/** One stored entry laid out by hand from APPNOTE.TXT: local header, data, central header, end record. */
function handLaidZip(name: string, content: Uint8Array, crc: number): Uint8Array {
  const n = ascii(name);
  const local = new Uint8Array(30 + n.length);
  const lv = new DataView(local.buffer);
  lv.setUint32(0, 0x04034b50, true);
  lv.setUint16(4, 20, true);
  lv.setUint32(14, crc, true);
  lv.setUint32(18, content.length, true);
  lv.setUint32(22, content.length, true);
  lv.setUint16(26, n.length, true);
  local.set(n, 30);
  const central = new Uint8Array(46 + n.length);
  const cv = new DataView(central.buffer);
  cv.setUint32(0, 0x02014b50, true);
  cv.setUint16(4, 20, true);
  cv.setUint16(6, 20, true);
  cv.setUint32(16, crc, true);
  cv.setUint32(20, content.length, true);
  cv.setUint32(24, content.length, true);
  cv.setUint16(28, n.length, true);
  cv.setUint32(42, 0, true);
  central.set(n, 46);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, 1, true);
  ev.setUint16(10, 1, true);
  ev.setUint32(12, central.length, true);
  ev.setUint32(16, local.length + content.length, true);
  const out = new Uint8Array(local.length + content.length + central.length + end.length);
  out.set(local, 0);
  out.set(content, local.length);
  out.set(central, local.length + content.length);
  out.set(end, local.length + content.length + central.length);
  return out;
}

async function contents(file: string): Promise<Map<string, Uint8Array>> {
  const zip = await ZipArchive.open(bytesReader(fixtureBytes(file), file), { inflateRaw: inflateRawNode });
  expect(zip).not.toBeNull();
  const out = new Map<string, Uint8Array>();
  for (const entry of zip!.entries.values()) out.set(entry.name, await zip!.read(entry, { verifyCrc: true }));
  return out;
}

async function openError(bytes: Uint8Array, name = 'x.bin'): Promise<TorchFormatError> {
  const error = await ZipArchive.open(bytesReader(bytes, name), { inflateRaw: inflateRawNode }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TorchFormatError);
  return error as TorchFormatError;
}

describe('crc32', () => {
  it('gives the standard check values', () => {
    expect(crc32(ascii('123456789'))).toBe(0xcbf43926);
    expect(crc32(ascii(''))).toBe(0);
    expect(crc32(ascii('hello'))).toBe(0x3610a686);
  });
});

describe('isSafeEntryName', () => {
  it('accepts relative names and refuses escapes', () => {
    for (const ok of ['archive/data.pkl', 'a/b/c', 'x..y/z', '.data/version'])
      expect(isSafeEntryName(ok)).toBe(true);
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', '\\evil', 'C:/x', 'a\\..\\b', 'a\0b', '']) {
      expect(isSafeEntryName(bad)).toBe(false);
    }
  });
});

describe('ZipArchive', () => {
  it('reads a hand-laid stored archive', async () => {
    const zip = await ZipArchive.open(bytesReader(handLaidZip('a/hello.txt', ascii('hello'), 0x3610a686)));
    expect([...zip!.entries.keys()]).toEqual(['a/hello.txt']);
    const entry = zip!.entries.get('a/hello.txt')!;
    expect(entry).toMatchObject({ method: 'stored', size: 5, compressedSize: 5 });
    expect(new TextDecoder().decode(await zip!.read(entry, { verifyCrc: true }))).toBe('hello');
    expect(new TextDecoder().decode(await zip!.readRange(entry, 1, 3))).toBe('ell');
  });

  it('checks the CRC when asked', async () => {
    const zip = await ZipArchive.open(
      bytesReader(handLaidZip('h', ascii('hello'), 0x12345678), 'bad-crc.zip'),
    );
    await expect(zip!.read(zip!.entries.get('h')!, { verifyCrc: true })).rejects.toThrow(
      /bad-crc\.zip: entry 'h' fails its CRC-32 check/,
    );
  });

  it("reads torch.save's archive, its deflated and its ZIP64 copies to the same bytes", async () => {
    const stored = await contents('torch/features.bin');
    const deflated = await contents('torch/features-deflated.bin');
    const zip64 = await contents('torch/features-zip64.bin');
    expect([...stored.keys()]).toContain('features/data.pkl');
    expect([...deflated.keys()]).toEqual([...stored.keys()]);
    expect([...zip64.keys()]).toEqual([...stored.keys()]);
    for (const [name, bytes] of stored) {
      expect(deflated.get(name)).toEqual(bytes);
      expect(zip64.get(name)).toEqual(bytes);
    }
  });

  it('inflates with the web DecompressionStream as with zlib', async () => {
    const zip = await ZipArchive.open(bytesReader(fixtureBytes('torch/features-deflated.bin')), {
      inflateRaw: inflateRawWeb,
    });
    const pkl = await zip!.read(zip!.entries.get('features/data.pkl')!, { verifyCrc: true });
    expect(pkl[0]).toBe(0x80);
  });

  it('reads a stored range without reading the rest of the file', async () => {
    const reader = countingReader('gpt2-official-bin/pytorch_model.bin');
    const zip = await ZipArchive.open(reader);
    const entries = [...zip!.entries.values()];
    const biggest = entries.reduce((a, b) => (a.size > b.size ? a : b));
    const before = reader.bytesRead;
    const part = await zip!.readRange(biggest, 8, 16);
    expect(part.length).toBe(16);
    expect(reader.bytesRead - before).toBeLessThan(200); // the local header, its name and the 16 bytes
  });

  it('returns null for bytes that are not a zip', async () => {
    expect(await ZipArchive.open(bytesReader(ascii('not a zip at all, not even close')))).toBeNull();
    expect(await ZipArchive.open(bytesReader(new Uint8Array(3)))).toBeNull();
  });

  it('refuses entry names that leave the archive', async () => {
    const parent = await openError(fixtureBytes('torch/hostile/zip-parent-path.bin'), 'p.bin');
    expect(parent.code).toBe('TORCH_ARCHIVE_INVALID');
    expect(parent.message).toMatch(/^p\.bin: entry '\.\.\/x' points outside the archive/);
    const absolute = await openError(fixtureBytes('torch/hostile/zip-absolute-path.bin'));
    expect(absolute.message).toMatch(/entry '\/tmp\/x' points outside the archive/);
  });

  it('refuses an entry whose declared size runs past the end of the archive', async () => {
    const error = await openError(fixtureBytes('torch/hostile/zip-entry-past-end.bin'));
    expect(error.code).toBe('TORCH_ARCHIVE_INVALID');
    expect(error.message).toMatch(
      /entry 'archive\/data\/0' declares 1073741824 bytes at offset \d+, past the end/,
    );
  });

  it('refuses a deflated entry that inflates past its declared size (a bomb stops there)', async () => {
    const bytes = fixtureBytes('torch/features-deflated.bin').slice();
    const view = new DataView(bytes.buffer);
    // Lower data.pkl's declared size in the central directory (the first central header).
    const at = bytes.findIndex((_, i) => view.getUint32(i, true) === 0x02014b50);
    view.setUint32(at + 24, 10, true);
    const zip = await ZipArchive.open(bytesReader(bytes), { inflateRaw: inflateRawNode });
    await expect(zip!.read(zip!.entries.get('features/data.pkl')!)).rejects.toThrow(
      /entry 'features\/data\.pkl' does not inflate to the 10 bytes/,
    );
  });

  it('refuses a range outside the entry', async () => {
    const zip = await ZipArchive.open(bytesReader(handLaidZip('h', ascii('hello'), 0x3610a686)));
    await expect(zip!.readRange(zip!.entries.get('h')!, 3, 5)).rejects.toThrow(
      /bytes \[3, 8\) lie outside entry 'h'/,
    );
  });
});
