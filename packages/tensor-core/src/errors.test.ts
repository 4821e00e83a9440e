// The error contract every package builds on: a stable code, the class name as `name`,
// `instanceof` through the hierarchy, and the cause kept.
import { describe, expect, it } from 'vitest';
import { TensorError, TensorlmError } from './errors.js';

describe('TensorlmError', () => {
  it('carries a stable code, its class name and the cause', () => {
    const cause = new Error('disk full');
    const error = new TensorlmError('RUN_FOLDER_LOCKED', 'runs/a is locked by pid 12', { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('RUN_FOLDER_LOCKED');
    expect(error.name).toBe('TensorlmError');
    expect(error.message).toBe('runs/a is locked by pid 12');
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('TensorlmError: runs/a is locked by pid 12');
  });

  it('subclasses keep instanceof, their name and their own code', () => {
    class RunError extends TensorlmError {
      constructor(message: string) {
        super('RUN_BROKEN', message);
        this.name = 'RunError';
      }
    }
    const error = new RunError('broken');
    expect(error).toBeInstanceOf(TensorlmError);
    expect(error).toBeInstanceOf(RunError);
    expect(error).not.toBeInstanceOf(TensorError);
    expect([error.name, error.code]).toEqual(['RunError', 'RUN_BROKEN']);
  });
});

describe('TensorError', () => {
  it("is a TensorlmError with code TENSOR_OP whose message starts with the op's name", () => {
    const error = new TensorError('matmul', 'shapes [2, 3] and [4, 5] do not fit');
    expect(error).toBeInstanceOf(TensorlmError);
    expect(error.code).toBe('TENSOR_OP');
    expect(error.op).toBe('matmul');
    expect(error.name).toBe('TensorError');
    expect(error.message).toBe('matmul: shapes [2, 3] and [4, 5] do not fit');
  });
});
