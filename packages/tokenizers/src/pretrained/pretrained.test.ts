// The packaged vocabularies: pinned hashes, attribution, and offline loading.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bertBaseUncased, gpt2 } from './pretrained.js';

const sha256 = (relative: string) =>
  createHash('sha256')
    .update(readFileSync(new URL(`../../assets/${relative}`, import.meta.url)))
    .digest('hex');

describe('packaged vocabularies', () => {
  it('are byte-identical to the pinned upstream files', () => {
    expect(sha256('gpt2/encoder.json')).toBe(
      '196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783',
    );
    expect(sha256('gpt2/vocab.bpe')).toBe('1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5');
    expect(sha256('bert-base-uncased/vocab.txt')).toBe(
      '07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3',
    );
    expect(existsSync(new URL('../../assets/ATTRIBUTION.md', import.meta.url))).toBe(true);
  });

  it('load offline, once', async () => {
    const [a, b] = await Promise.all([gpt2(), gpt2()]);
    expect(a).toBe(b);
    expect(a.vocabSize).toBe(50257);
    expect(a.merges.length).toBe(50000);
    expect(a.modelMaxLength).toBe(1024);
    const bert = await bertBaseUncased();
    expect(bert.vocabSize).toBe(30522);
    expect([bert.padTokenId, bert.unkTokenId, bert.clsTokenId, bert.sepTokenId, bert.maskTokenId]).toEqual([
      0, 100, 101, 102, 103,
    ]);
    expect(bert.modelMaxLength).toBe(512);
  });
});
