// Module: registration, modes, state dicts and load reports, tying, onMeta, memory, printing.
import '@tensorlm/backend-cpu';
import { memory, ones, type Tensor, tensor, tidy, zeros } from '@tensorlm/tensor-core';
import { describe, expect, it } from 'vitest';
import { Dropout } from '../layers/dropout.js';
import { Linear } from '../layers/linear.js';
import { addIndent, formatCount, pyFloat, pyTuple } from './format.js';
import { Module, onMeta } from './module.js';

class Scale extends Module {
  static override readonly typeName: string = 'Scale';
  constructor(n: number) {
    super();
    this.addParameter('gain', [n], () => ones([n]));
    this.addBuffer('calls', () => zeros([1]));
    this.addBuffer('scratch', () => zeros([2]), { persistent: false });
  }
  get gain(): Tensor {
    return this.param('gain');
  }
}

class Net extends Module {
  static override readonly typeName: string = 'Net';
  readonly fc: Linear;
  readonly drop: Dropout;
  readonly scale: Scale;
  constructor() {
    super();
    this.fc = this.addModule('fc', new Linear(3, 2));
    this.drop = this.addModule('drop', new Dropout(0.25));
    this.scale = this.addModule('scale', new Scale(2));
  }
}

describe('Module', () => {
  it('names parameters, buffers and children with dotted paths in registration order', () => {
    const net = new Net();
    expect(net.namedChildren().map(([n]) => n)).toEqual(['fc', 'drop', 'scale']);
    expect(net.namedParameters().map(([n]) => n)).toEqual(['fc.weight', 'fc.bias', 'scale.gain']);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['scale.calls', 'scale.scratch']);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'fc', 'drop', 'scale']);
    expect(net.getSubmodule('scale')).toBe(net.scale);
    expect(() => net.getSubmodule('fc.nope')).toThrow(/Linear has no child 'nope'/);
    // 3·2 weights + 2 biases + 2 gains
    expect(net.numParameters()).toBe(10);
    for (const p of net.parameters()) expect(p.requiresGrad).toBe(true);
    net.dispose();
  });

  it('train() and eval() switch every descendant', () => {
    const net = new Net();
    expect(net.drop.training).toBe(true);
    net.eval();
    expect(net.namedModules().every(([, m]) => !m.training)).toBe(true);
    net.train();
    expect(net.namedModules().every(([, m]) => m.training)).toBe(true);
    net.dispose();
  });

  it('stateDict holds parameters and persistent buffers as detached views of the same storage', async () => {
    const net = new Net();
    const sd = net.stateDict();
    expect([...sd.keys()]).toEqual(['fc.weight', 'fc.bias', 'scale.gain', 'scale.calls']);
    const gain = sd.get('scale.gain')!;
    expect(gain.requiresGrad).toBe(false);
    expect(await gain.toArray()).toEqual([1, 1]);
    gain.dispose(); // disposing the view leaves the parameter alive
    expect(await net.scale.gain.toArray()).toEqual([1, 1]);
    net.dispose();
  });

  it('loadStateDict copies values and reports missing, unexpected and mis-shaped keys', async () => {
    const net = new Net();
    const report = net.loadStateDict(
      {
        'fc.weight': tensor([
          [1, 2, 3],
          [4, 5, 6],
        ]),
        'scale.gain': tensor([1, 2, 3]),
        'extra.thing': zeros([1]),
      },
      { strict: false },
    );
    expect(report.loadedKeys).toEqual(['fc.weight']);
    expect(report.missingKeys).toEqual(['fc.bias', 'scale.calls']);
    expect(report.unexpectedKeys).toEqual(['extra.thing']);
    expect(report.mismatchedKeys).toEqual([{ key: 'scale.gain', expected: [2], got: [3] }]);
    expect(await net.fc.weight.toArray()).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(net.fc.weight.requiresGrad).toBe(true);
    net.dispose();
  });

  it('strict loadStateDict throws naming the keys and changes nothing', async () => {
    const net = new Net();
    const before = await net.fc.weight.data();
    const sd = net.stateDict();
    sd.set('fc.weight', zeros([2, 3]));
    sd.delete('fc.bias');
    sd.set('scale.gain', zeros([5]));
    expect(() => net.loadStateDict(sd)).toThrow(
      /nothing was loaded: missing keys: fc\.bias; shape mismatches: scale\.gain \(model \[2\], given \[5\]\)/,
    );
    expect(await net.fc.weight.data()).toEqual(before);
    net.dispose();
  });

  it('tied parameters are one tensor, counted once, listed once, loaded through either name', async () => {
    const a = new Linear(2, 2, { bias: false });
    const b = new Linear(2, 2, { bias: false });
    class Pair extends Module {
      constructor() {
        super();
        this.addModule('a', a);
        this.addModule('b', b);
        b.tieParameter('weight', a);
      }
    }
    const pair = new Pair();
    expect(b.weight).toBe(a.weight);
    expect(pair.numParameters()).toBe(4);
    expect(pair.namedParameters().map(([n]) => n)).toEqual(['a.weight']);
    expect([...pair.stateDict().keys()]).toEqual(['a.weight', 'b.weight']);
    expect([...pair.stateDict({ dedupeTied: true }).keys()]).toEqual(['a.weight']);
    // Only one of the names given: the other is not reported missing.
    const report = pair.loadStateDict({
      'a.weight': tensor([
        [1, 0],
        [0, 1],
      ]),
    });
    expect(report.missingKeys).toEqual([]);
    expect(await b.weight.toArray()).toEqual([
      [1, 0],
      [0, 1],
    ]);
    pair.dispose();
  });

  it('onMeta builds shapes only: counts and prints, refuses to run, and is filled by loadStateDict', async () => {
    const before = memory().numTensors;
    const fc = onMeta(() => new Linear(4, 3));
    expect(memory().numTensors).toBe(before);
    expect(fc.isMeta).toBe(true);
    expect(fc.numParameters()).toBe(15);
    expect(fc.toString()).toBe('Linear(in_features=4, out_features=3, bias=True)');
    expect([...fc.stateDictShapes()]).toEqual([
      ['weight', [3, 4]],
      ['bias', [3]],
    ]);
    expect(() => fc.forward(zeros([1, 4]))).toThrow(/Linear\.weight \[3, 4\] was built with onMeta\(\)/);
    const w = ones([3, 4]);
    const b = zeros([3]);
    fc.loadStateDict({ weight: w, bias: b });
    w.dispose();
    b.dispose();
    expect(fc.isMeta).toBe(false);
    expect(fc.weight.requiresGrad).toBe(true);
    const y = fc.forward(tensor([[1, 2, 3, 4]]));
    expect(await y.toArray()).toEqual([[10, 10, 10]]);
    y.dispose();
    fc.dispose();
  });

  it('parameters survive an enclosing tidy; dispose() frees them all', () => {
    const before = memory().numTensors;
    const net = tidy(() => new Net());
    expect(net.fc.weight.isDisposed).toBe(false);
    // fc.weight, fc.bias, scale.gain, scale.calls, scale.scratch
    expect(memory().numTensors).toBe(before + 5);
    net.dispose();
    expect(memory().numTensors).toBe(before);
  });

  it('zeroGrad clears accumulated gradients; requireGrad(false) freezes', () => {
    const fc = new Linear(2, 1);
    tidy(() =>
      fc
        .forward(ones([3, 2]))
        .sum()
        .backward(),
    );
    expect(fc.weight.grad).not.toBeNull();
    fc.zeroGrad();
    expect(fc.weight.grad).toBeNull();
    fc.requireGrad(false);
    expect(fc.numParameters({ trainableOnly: true })).toBe(0);
    fc.dispose();
  });

  it('toString prints like PyTorch, summary like recursive_print with counts and depth', () => {
    const net = new Net();
    expect(net.toString()).toBe(
      [
        'Net(',
        '  (fc): Linear(in_features=3, out_features=2, bias=True)',
        '  (drop): Dropout(p=0.25, inplace=False)',
        '  (scale): Scale()',
        ')',
      ].join('\n'),
    );
    expect(net.summary()).toBe(
      [
        'Net: 10 parameters',
        '(fc): Linear(in_features=3, out_features=2, bias=True) · 8',
        '(drop): Dropout(p=0.25, inplace=False) · 0',
        '(scale): Scale() · 2',
      ].join('\n'),
    );
    expect(net.summary({ depth: 0 })).toBe('Net: 10 parameters');
    net.dispose();
  });

  it('rejects duplicate and dotted member names', () => {
    class Bad extends Module {
      constructor(name: string) {
        super();
        this.addModule('x', new Dropout());
        this.addModule(name, new Dropout());
      }
    }
    expect(() => new Bad('x')).toThrow(/'x' is already registered/);
    expect(() => new Bad('a.b')).toThrow(/invalid member name 'a\.b'/);
  });
});

describe('Python-style formatting', () => {
  it('prints floats as Python repr does', () => {
    expect(pyFloat(1e-5)).toBe('1e-05');
    expect(pyFloat(1e-12)).toBe('1e-12');
    expect(pyFloat(0.1)).toBe('0.1');
    expect(pyFloat(0)).toBe('0.0');
    expect(pyFloat(1)).toBe('1.0');
    expect(pyFloat(0.0001)).toBe('0.0001');
    expect(pyFloat(2.5e-7)).toBe('2.5e-07');
    expect(pyFloat(1e16)).toBe('1e+16');
  });

  it('prints tuples, indents and counts', () => {
    expect(pyTuple([768])).toBe('(768,)');
    expect(pyTuple([2, 3])).toBe('(2, 3)');
    expect(addIndent('a(\nb\n)', 2)).toBe('a(\n  b\n  )');
    expect(formatCount(124439808)).toBe('124,439,808');
  });
});
