// The grammar setup against figures computed by hand: the mini GPT's parameter count
// and the line `train grammar` prints.
import '@tensorlm/backend-cpu';
import { GPT2LMHeadModel } from '@tensorlm/nn';
import { setBackend } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { describeGrammarLosses, GRAMMAR_GPT_CONFIG, GRAMMAR_LOSS, grammarLosses } from './grammar-setup.js';

describe('grammar setup', () => {
  it('builds the seed mini GPT: 160,768 parameters with the head tied to wte', async () => {
    await setBackend('cpu');
    // wte 39·64 + wpe 128·64 + ln_f 128 + 3 blocks of (2 LNs 256, c_attn 64·192 + 192,
    // attn c_proj 64·64 + 64, c_fc 64·256 + 256, mlp c_proj 256·64 + 64 = 49,984).
    const expected = 39 * 64 + 128 * 64 + 128 + 3 * (256 + 12_480 + 4_160 + 16_640 + 16_448);
    expect(expected).toBe(160_768);
    expect(new GPT2LMHeadModel(GRAMMAR_GPT_CONFIG).numParameters()).toBe(expected);
  });

  it("trains on the seed's loss: pad id 0, pad positions counted", () => {
    expect(GRAMMAR_LOSS).toEqual({ padId: 0, padPositions: 'included' });
  });

  it('reports both validation figures beside the seed’s and chance', () => {
    const losses = grammarLosses({ lossPadIncluded: 0.91234, lossPadIgnored: 1.5 });
    expect(losses).toEqual({ padIncluded: 0.91234, padIgnored: 1.5 });
    expect(describeGrammarLosses(losses)).toBe(
      'validation loss: 0.912 with pad positions (as the seed reports it; it reached 0.88 after 150 steps), ' +
        '1.500 on real tokens only (uniform guessing: ln 39 = 3.664)',
    );
    expect(grammarLosses({}).padIgnored).toBeNaN();
  });
});
