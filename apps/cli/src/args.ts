// Command-line words into options: `--name value`, `--name=value`, switches (`--resume`)
// that take no value, `--` ending the options, and `-h` for `--help`. Every word is
// checked against what the command declares, so a value flag without a value, an unknown
// option or a stray short option is a usage error naming it — nothing is guessed (a bare
// `--steps` never becomes `true`, which zod would coerce to 1). The values are then
// validated by the command's zod schema (`parseOptions`).
import { z } from 'zod';

import { UsageError } from './errors.js';

export { UsageError };

/** Accepted by every command and before any command: `tensorlm train --help`. */
export const GLOBAL_SWITCHES = ['help', 'version', 'verbose'] as const;

export interface FlagSpec {
  /** Options that take no value (`--resume`, or `--resume=false`). */
  readonly switches: ReadonlySet<string>;
  /** Options that take a value. Any other name is an unknown option. */
  readonly values: ReadonlySet<string>;
}

export interface ParsedArgs {
  positional: string[];
  flags: Record<string, string | true>;
}

// `-3`, `-0.5`, `-1e-4`, `-.5`: a negative number is a value, not an option.
const NEGATIVE_NUMBER = /^-(\d|\.\d)/;

/** A word that is an option (or `--`) rather than a value: `--x`, `-h`, `-x`. */
function looksLikeOption(word: string): boolean {
  if (word.startsWith('--')) return true;
  return word.length > 1 && word.startsWith('-') && !NEGATIVE_NUMBER.test(word) && /^-[A-Za-z]/.test(word);
}

/** The closest known name within two edits, for "did you mean --steps?". */
export function closestName(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of known) {
    const d = editDistance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++)
      row[j] = Math.min(
        previous[j]! + 1,
        row[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = row;
  }
  return previous[b.length]!;
}

function unknownOption(name: string, spec: FlagSpec): UsageError {
  const known = [...spec.switches, ...spec.values].filter(
    (n) => !(GLOBAL_SWITCHES as readonly string[]).includes(n),
  );
  const guess = closestName(name, known);
  return new UsageError(`unknown option --${name}${guess ? ` (did you mean --${guess}?)` : ''}`);
}

/**
 * Splits argv into positional words and flags. Throws a UsageError for a value flag
 * without a value, an unknown option and short options other than `-h`; the values
 * themselves are checked by `parseOptions`.
 */
export function parseFlags(argv: readonly string[], { switches, values }: FlagSpec): ParsedArgs {
  const positional: string[] = [];
  const flags: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (word === '-h') {
      flags.help = true;
      continue;
    }
    if (!word.startsWith('--')) {
      if (looksLikeOption(word))
        throw new UsageError(
          `unknown option ${word} (options are spelled --name; a value that starts with '-' goes after '=': --prompt=${word})`,
        );
      positional.push(word);
      continue;
    }
    const body = word.slice(2);
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (name.length === 0) throw new UsageError(`'${word}' is not an option`);
    const isSwitch = switches.has(name) || (GLOBAL_SWITCHES as readonly string[]).includes(name);
    if (!isSwitch && !values.has(name)) throw unknownOption(name, { switches, values });
    if (eq >= 0) {
      flags[name] = body.slice(eq + 1);
    } else if (isSwitch) {
      flags[name] = true;
    } else {
      const next = argv[i + 1];
      if (next === undefined || looksLikeOption(next))
        throw new UsageError(
          `--${name} needs a value${next === undefined ? '' : ` (got the option ${next}; a value that starts with '-' goes after '=': --${name}=${next})`}`,
        );
      flags[name] = next;
      i++;
    }
  }
  return { positional, flags };
}

/** Validates flags against a schema; unknown flags and bad values are usage errors. */
export function parseOptions<S extends z.ZodObject>(
  schema: S,
  flags: Record<string, string | true>,
): z.infer<S> {
  const known = new Set(Object.keys(schema.shape));
  const own: Record<string, string | true> = {};
  for (const [name, value] of Object.entries(flags)) {
    if ((GLOBAL_SWITCHES as readonly string[]).includes(name)) continue;
    if (!known.has(name)) throw unknownOption(name, { switches: new Set(), values: known });
    own[name] = value;
  }
  const result = schema.safeParse(own);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => `--${issue.path.join('.')}: ${issue.message}`);
    throw new UsageError(issues.join('; '));
  }
  return result.data;
}

/** A boolean switch (`--explain`, or `--explain=false`); see `Command.switches`. */
export const switchOption = z.union(
  [z.literal(true), z.enum(['true', 'false']).transform((v) => v === 'true')],
  { error: 'a switch takes no value (or =true / =false)' },
);
