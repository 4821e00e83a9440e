// Parses a config with a zod schema and turns a failure into a ConfigError that names
// each bad field, so a typo in a config never surfaces later as a shape error in a kernel.
import { parseOrThrow } from '@tensorlm/tensor-core';
import type { z } from 'zod';
import { ConfigError } from './errors.js';

export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  return parseOrThrow(schema, input, what, (_message, issues) => new ConfigError(what, issues));
}
