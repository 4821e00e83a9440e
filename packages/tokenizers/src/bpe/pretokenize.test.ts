// The hand-written GPT-2 pre-tokeniser against the regex it replaces.
import { describe, expect, it } from 'vitest';
import { randomUnicodeString, seededRandom } from '../../test/shared-data.js';
import { GPT2_PATTERN, preTokenize } from './pretokenize.js';

const viaRegex = (text: string) => [...text.matchAll(GPT2_PATTERN)].map((m) => m[0]);

describe('GPT-2 pre-tokenisation scanner', () => {
  it('matches the regex on hand-picked edge cases', () => {
    const cases = [
      '',
      ' ',
      '   ',
      'Hello world',
      "I'm can't we'll they'd you've she's 'S 'LL 'x",
      "A\n'll !!to?'d''d of, can't.",
      '  leading and trailing  ',
      'tabs\t\tand\n\nnewlines \n\n x',
      '3333333 12.5 1,000 ٣٤٥ ²³',
      'emoji 🤗👍🏽 🧑‍🤝‍🧑 and 𝐀𝐁𝐂 math',
      'mixed\u00a0\u00a0nbsp\u3000ideographic\u2028sep',
      '\ud800 lone \udc00 surrogates\ud83d',
      'def main():\n\tpass',
      ' \t\n',
      "''''",
      " 's ' s",
    ];
    for (const text of cases) expect(preTokenize(text), JSON.stringify(text)).toEqual(viaRegex(text));
  });

  it('matches the regex on 3,000 random unicode strings (seeded)', () => {
    const random = seededRandom(2024);
    for (let i = 0; i < 3000; i++) {
      const text = randomUnicodeString(random, 40);
      expect(preTokenize(text), JSON.stringify(text)).toEqual(viaRegex(text));
    }
  });

  it('covers the input exactly', () => {
    const text = 'Some text, with  spaces\tand 123 numbers! 🤗';
    expect(preTokenize(text).join('')).toBe(text);
  });
});
