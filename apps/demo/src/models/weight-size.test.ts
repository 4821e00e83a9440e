// The size check reads only safetensors headers: a header claiming a 2.6 GB tensor in a
// file of a few hundred bytes is judged without reading (or having) the data.
import { describe, expect, it } from 'vitest';
import { checkWeightsFit, tooLarge, weightSizes } from './weight-size.js';

/** A safetensors file holding only its header (the data is never read by the check). */
function header(tensors: Record<string, { dtype: string; shape: number[] }>): Blob {
  let offset = 0;
  const json: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const [name, t] of Object.entries(tensors)) {
    const size = t.shape.reduce((n, d) => n * d, 1) * (t.dtype === 'F16' ? 2 : 4);
    json[name] = { ...t, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  const prefix = new Uint8Array(8);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(bytes.byteLength), true);
  return new Blob([prefix, bytes]);
}

const limits = { device: 'test adapter', maxStorageBytes: 256 * 2 ** 20, budgetBytes: 2e9 };

describe('weight sizes', () => {
  it('sums f32 bytes (F16 counted as f32) and finds the largest tensor', async () => {
    const sizes = await weightSizes(
      new Map([
        [
          'model.safetensors',
          header({ a: { dtype: 'F32', shape: [10, 4] }, b: { dtype: 'F16', shape: [100] } }),
        ],
      ]),
    );
    expect(sizes).toEqual({ total: 160 + 400, largest: { name: 'b', shape: [100], bytes: 400 }, tensors: 2 });
  });

  it('reads the shards an index names', async () => {
    const files = new Map<string, Blob>([
      [
        'model.safetensors.index.json',
        new Blob([JSON.stringify({ weight_map: { a: 's1', b: 's2', c: 's2' } })]),
      ],
      ['s1', header({ a: { dtype: 'F32', shape: [3] } })],
      ['s2', header({ b: { dtype: 'F32', shape: [5] }, c: { dtype: 'F32', shape: [7] } })],
    ]);
    expect((await weightSizes(files))?.total).toBe(4 * 15);
    expect(await weightSizes(new Map([['config.json', new Blob(['{}'])]]))).toBeNull();
  });

  it('takes pytorch_model.bin files by their sizes, and checks them against the budget', async () => {
    const sizes = await weightSizes(new Map([['pytorch_model.bin', new Blob([new Uint8Array(1000)])]]));
    expect(sizes).toEqual({ total: 1000, largest: { name: '', shape: [], bytes: 0 }, tensors: 0 });
    expect(tooLarge(sizes!, { ...limits, budgetBytes: 999 })).toBe(
      'the model is too large for this page: its weight files take 0 MB, more than the 0 MB the demo allows on test adapter',
    );
    expect(tooLarge(sizes!, limits)).toBeNull();
  });

  it('refuses a tensor larger than the adapter buffer, then a model over the budget, naming the figures', async () => {
    const huge = new Map([
      ['model.safetensors', header({ 'transformer.wte.weight': { dtype: 'F32', shape: [50257, 12800] } })],
    ]);
    const error = await checkWeightsFit(huge, limits).catch((e) => e);
    expect(error.code).toBe('DEMO_MODEL_TOO_LARGE');
    expect(error.message).toBe(
      'the model is too large for this adapter: its largest tensor, transformer.wte.weight [50257, 12800], takes 2.57 GB as f32, and test adapter holds at most 268 MB in one buffer',
    );
    const many = { total: 3e9, largest: { name: 'x', shape: [1], bytes: 1e6 }, tensors: 300 };
    expect(tooLarge(many, limits)).toBe(
      'the model is too large for this page: its 300 tensors take 3.00 GB as f32, more than the 2.00 GB the demo allows on test adapter',
    );
    expect(tooLarge(many, { ...limits, budgetBytes: 4e9 })).toBeNull();
  });

  it('calls a file with an impossible header not safetensors', async () => {
    const bad = new Uint8Array(16);
    new DataView(bad.buffer).setBigUint64(0, 1_000_000n, true);
    await expect(weightSizes(new Map([['model.safetensors', new Blob([bad])]]))).rejects.toThrow(
      /claims a 1000000-byte header in a 16-byte file/,
    );
  });
});
