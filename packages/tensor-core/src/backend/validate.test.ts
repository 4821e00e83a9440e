// Registering a backend checks its required kernels and capabilities up front, naming
// what is missing, instead of failing inside an op later.
import { afterEach, describe, expect, it } from 'vitest';
import { PRIMITIVE_KERNEL_NAMES } from './backend.js';
import { initBackend, registerBackend, removeBackend } from './registry.js';

/** An object with every required method (none is called by these tests). */
function fakeBackend(name: string, omit: readonly string[] = [], capabilities?: unknown): never {
  const backend: Record<string, unknown> = {
    name,
    capabilities: capabilities ?? { f16: false, hostMemory: true, deviceSampling: true },
  };
  for (const method of PRIMITIVE_KERNEL_NAMES) if (!omit.includes(method)) backend[method] = () => undefined;
  return backend as never;
}

afterEach(() => {
  for (const name of ['fake', 'fake-factory']) removeBackend(name);
});

describe('registerBackend', () => {
  it('accepts a backend with every primitive and no fused kernel', () => {
    expect(() => registerBackend(fakeBackend('fake'), { priority: -5 })).not.toThrow();
  });

  it('names the required kernels a backend lacks', () => {
    expect(() => registerBackend(fakeBackend('fake', ['matmul', 'topk']))).toThrow(
      /registerBackend: backend 'fake' lacks the required kernels matmul, topk/,
    );
  });

  it('names a malformed capability', () => {
    const bad = { f16: false, hostMemory: 'yes', deviceSampling: true, maxLoopIterations: -1 };
    expect(() => registerBackend(fakeBackend('fake', [], bad))).toThrow(
      /invalid capabilities of backend 'fake': capabilities\.hostMemory: .*; capabilities\.maxLoopIterations/,
    );
  });

  it('checks a factory-made backend when it is created, and lets a later try succeed', async () => {
    let attempt = 0;
    registerBackend({
      name: 'fake-factory',
      priority: -5,
      create: () => fakeBackend('fake-factory', attempt++ === 0 ? ['cast'] : []),
    });
    await expect(initBackend('fake-factory')).rejects.toThrow(
      /setBackend: backend 'fake-factory' lacks the required kernel cast/,
    );
    await expect(initBackend('fake-factory')).resolves.toMatchObject({ name: 'fake-factory' });
  });
});
