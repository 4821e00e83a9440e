// Minimal argv parsing for the CLI: `--name value`, `--name=value` and bare `--flag`,
// then validated by each command's zod schema, so a typo is an error naming the option.
import { z } from 'zod';

import { UsageError } from './errors.js';

export { UsageError };

/** `switches` take no value: `--explain "text"` leaves "text" positional. */
export function parseFlags(
  argv: readonly string[],
  switches: ReadonlySet<string> = new Set(),
): {
  positional: string[];
  flags: Record<string, string | true>;
} {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) flags[body.slice(0, eq)] = body.slice(eq + 1);
    else if (!switches.has(body) && i + 1 < argv.length && !argv[i + 1]!.startsWith('--'))
      flags[body] = argv[++i]!;
    else flags[body] = true;
  }
  return { positional, flags };
}

/** Validates flags against a schema; unknown flags and bad values are usage errors. */
export function parseOptions<S extends z.ZodObject>(
  schema: S,
  flags: Record<string, string | true>,
  command: string,
): z.infer<S> {
  const known = new Set(Object.keys(schema.shape));
  for (const name of Object.keys(flags)) {
    if (name !== 'help' && !known.has(name)) throw new UsageError(`${command}: unknown option --${name}`);
  }
  const result = schema.safeParse(flags);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`);
    throw new UsageError(`${command}: ${issues.join('; ')}`);
  }
  return result.data;
}

/** A boolean switch (`--explain`, or `--explain=false`); see `Command.switches`. */
export const switchOption = z.union([
  z.literal(true),
  z.enum(['true', 'false']).transform((v) => v === 'true'),
]);
