// Sequential and ModuleList: order, naming, indexing and PyTorch-style folded printing.
import '@tensorlm/backend-cpu';
import { tensor, tidy } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { ReLU } from './activations.js';
import { ModuleList, Sequential } from './containers.js';
import { Dropout } from './dropout.js';
import { Linear } from './linear.js';

describe('Sequential', () => {
  it('applies its children in order and names them 0, 1, …', async () => {
    const a = new Linear(2, 2);
    a.loadStateDict({
      weight: tensor([
        [1, 0],
        [0, -1],
      ]),
      bias: tensor([0, 0]),
    });
    const seq = new Sequential(a, new ReLU());
    // [3, 4] → [3, −4] → [3, 0]
    expect(await tidy(() => seq.forward(tensor([[3, 4]]))).toArray()).toEqual([[3, 0]]);
    expect(seq.namedParameters().map(([n]) => n)).toEqual(['0.weight', '0.bias']);
    expect(seq.at(-1)).toBeInstanceOf(ReLU);
    expect(seq.summary()).toContain('Sequential');
    seq.dispose();
  });
});

describe('ModuleList', () => {
  it('indexes, iterates, and folds identical entries when printed as PyTorch does', () => {
    const list = new ModuleList([new Dropout(0.1), new Dropout(0.1), new Dropout(0.1), new ReLU()]);
    expect(list.length).toBe(4);
    expect([...list].length).toBe(4);
    expect(() => list.at(9)).toThrow(/index 9 is out of range for length 4/);
    expect(list.toString()).toBe(
      ['ModuleList(', '  (0-2): 3 x Dropout(p=0.1, inplace=False)', '  (3): ReLU()', ')'].join('\n'),
    );
    expect(new ModuleList().toString()).toBe('ModuleList()');
  });
});
