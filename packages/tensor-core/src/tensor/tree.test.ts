// The one walker over trees of tensors, on real Tensors held by a host-memory test
// double (tensor-core cannot depend on a backend package): which containers are walked,
// that each tensor is visited once, that cycles end, and that `tidy` keeps by the same rule.
import { describe, expect, it } from 'vitest';
import type { Backend, Storage } from '../backend/backend.js';
import { tensor } from '../ops/creation.js';
import { tidy } from './engine.js';
import type { Tensor } from './tensor.js';
import { disposeTensors, forEachTensor, tensorsIn } from './tree.js';

/** Holds uploads in host memory and counts releases: all the walker's tests need. */
function hostBackend(): { backend: Backend; released: () => number } {
  let released = 0;
  const backend = {
    name: 'walker-test-host',
    upload: (data: ArrayLike<number>) => ({ data }) as unknown as Storage,
    release: () => {
      released++;
    },
  } as unknown as Backend;
  return { backend, released: () => released };
}

describe('forEachTensor / tensorsIn / disposeTensors', () => {
  const { backend, released } = hostBackend();
  const t = (v: number): Tensor => tensor([v], [1], { backend });

  it('walks arrays, Maps, Sets, plain objects and class instances, in insertion order', () => {
    class Cache {
      constructor(readonly key: Tensor) {}
    }
    const [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6].map(t) as [Tensor, Tensor, Tensor, Tensor, Tensor, Tensor];
    const tree = {
      first: a,
      list: [b, { deep: [[c]] }],
      map: new Map([['k', d]]),
      set: new Set([e]),
      box: new Cache(f),
    };
    expect(tensorsIn(tree)).toEqual([a, b, c, d, e, f]);
    expect(tensorsIn(a)).toEqual([a]);
  });

  it('ignores non-tensors: numbers, strings, typed arrays, Map keys, functions', () => {
    const a = t(1);
    const key = t(2);
    const tree = [1, 'two', null, undefined, new Float32Array(4), () => a, new Map([[key, 'v']]), a];
    expect(tensorsIn(tree)).toEqual([a]);
    key.dispose();
  });

  it('visits a shared tensor or subtree once and ends on cycles', () => {
    const a = t(1);
    const shared = { a };
    const loop: Record<string, unknown> = { x: [shared, shared, a] };
    loop.self = loop;
    const seen: Tensor[] = [];
    forEachTensor(loop, (x) => seen.push(x));
    expect(seen).toEqual([a]);
  });

  it('disposes every tensor once, skipping ones already disposed', () => {
    const a = t(1);
    const b = t(2);
    b.dispose();
    const before = released();
    disposeTensors({ a, again: [a], b });
    expect(a.isDisposed).toBe(true);
    expect(released() - before).toBe(1);
  });

  it('tidy keeps what it returns by the same rule (a class instance, deep nesting)', () => {
    class Past {
      constructor(readonly layers: Tensor[]) {}
    }
    let inner: Tensor | null = null;
    let temp: Tensor | null = null;
    const result = tidy(() => {
      temp = t(0);
      inner = t(1);
      let nested: unknown = new Past([inner]);
      for (let i = 0; i < 12; i++) nested = [nested];
      return nested;
    });
    expect(tensorsIn(result)).toEqual([inner]);
    expect((inner as unknown as Tensor).isDisposed).toBe(false);
    expect((temp as unknown as Tensor).isDisposed).toBe(true);
    disposeTensors(result);
  });
});
