// The one zod-issues-to-error helper: paths as JSON-style keys, unknown keys with a
// camelCase hint, at most MAX_LISTED_ISSUES listed, the caller's error class thrown.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TensorlmError } from './errors.js';
import {
  formatFieldPath,
  formatZodIssues,
  MAX_LISTED_ISSUES,
  parseOrThrow,
  zodFieldIssues,
} from './zod-issues.js';

class FieldError extends TensorlmError {
  constructor(
    message: string,
    readonly fields: readonly string[],
  ) {
    super('TEST_FIELDS', message);
  }
}

const fail = (message: string, issues: readonly { path: string }[]) =>
  new FieldError(
    message,
    issues.map((i) => i.path),
  );

function thrown(fn: () => unknown): FieldError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FieldError);
    return error as FieldError;
  }
  throw new Error('expected a FieldError');
}

describe('formatFieldPath', () => {
  it('writes identifiers dotted, indices and other keys in brackets', () => {
    expect(formatFieldPath([])).toBe('');
    expect(formatFieldPath(['groups', 1, 'lr'])).toBe('groups[1].lr');
    expect(formatFieldPath(['model', 'vocab', 'a b'])).toBe('model.vocab["a b"]');
    expect(formatFieldPath(['vocab', 'Ġt'])).toBe('vocab["Ġt"]');
    expect(formatFieldPath([0, 'x'])).toBe('[0].x');
  });
});

describe('parseOrThrow', () => {
  const schema = z.object({ topK: z.number().int().min(1), maxNewTokens: z.number().int() }).strict();

  it('returns the parsed value', () => {
    expect(parseOrThrow(schema, { topK: 3, maxNewTokens: 2 }, 'options', fail)).toEqual({
      topK: 3,
      maxNewTokens: 2,
    });
  });

  it('names every bad field and throws the caller’s error class', () => {
    const error = thrown(() =>
      parseOrThrow(schema, { topK: 0, maxNewTokens: 1.5 }, 'generate options', fail),
    );
    expect(error.message).toMatch(/^invalid generate options: topK: .*; maxNewTokens: /);
    expect(error.fields).toEqual(['topK', 'maxNewTokens']);
    expect(error.code).toBe('TEST_FIELDS');
  });

  it('points an unknown snake_case key at its camelCase name (keys from the schema)', () => {
    const error = thrown(() => parseOrThrow(schema, { topK: 1, maxNewTokens: 1, top_k: 5 }, 'options', fail));
    expect(error.message).toBe("invalid options: top_k: unknown field (did you mean 'topK'?)");
    expect(error.fields).toEqual(['top_k']);
    const plain = thrown(() =>
      parseOrThrow(schema, { topK: 1, maxNewTokens: 1, colour: 1 }, 'options', fail),
    );
    expect(plain.message).toBe('invalid options: colour: unknown field');
  });

  it('shows the root as (root) and prefixes paths inside a document', () => {
    expect(thrown(() => parseOrThrow(schema, 7, 'options', fail)).message).toMatch(
      /^invalid options: \(root\): /,
    );
    const nested = z.object({ merges: z.array(z.string()) });
    const error = thrown(() =>
      parseOrThrow(nested, { merges: ['a b', 3] }, 'BPE model', fail, { pathPrefix: ['model'] }),
    );
    expect(error.fields).toEqual(['model.merges[1]']);
  });

  it(`lists at most ${MAX_LISTED_ISSUES} issues and counts the rest`, () => {
    const many = z.array(z.string());
    const error = thrown(() => parseOrThrow(many, [1, 2, 3, 4, 5, 6, 7], 'list', fail));
    expect(error.fields).toHaveLength(7);
    expect(error.message.split('; ')).toHaveLength(MAX_LISTED_ISSUES + 1);
    expect(error.message).toMatch(/; and 2 more$/);
  });
});

describe('formatZodIssues / zodFieldIssues', () => {
  it('give the same text for a ZodError held by the caller', () => {
    const parsed = z.object({ lr: z.number().positive() }).safeParse({ lr: -1 });
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(zodFieldIssues(parsed.error).map((i) => i.path)).toEqual(['lr']);
    expect(formatZodIssues(parsed.error)).toMatch(/^lr: /);
  });
});
