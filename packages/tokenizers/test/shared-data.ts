// Test access to the project's shared data folder (golden oracles, corpora). Only tests
// read it; the package itself ships its own copies of what it needs under assets/.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requires } from '../../../tooling/vitest/requirements.js';

export const SHARED_DATA =
  process.env.TENSORLM_SHARED_DATA ?? fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

/**
 * Whether the shared data folder is there. Without it the tests that read it are skipped
 * with a printed reason, except under CI, where importing this module fails the run.
 */
export const hasSharedData = requires(
  'the shared data folder',
  existsSync(join(SHARED_DATA, 'golden')),
  `${SHARED_DATA} has no golden/ (set TENSORLM_SHARED_DATA to the folder)`,
);

export function readShared(relative: string): string {
  return readFileSync(join(SHARED_DATA, relative), 'utf8');
}

export function readSharedJson<T>(relative: string): T {
  return JSON.parse(readShared(relative)) as T;
}

/** Deterministic PRNG (mulberry32) for property tests. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random strings of valid code points drawn from script-mixing pools, seeded. */
export function randomUnicodeString(random: () => number, maxLength: number): string {
  const pools: Array<() => number> = [
    () => 0x20 + Math.floor(random() * 95), // printable ASCII
    () => [0x20, 0x20, 0x09, 0x0a, 0x0d, 0xa0, 0x3000, 0x2028, 0x0b, 0x0c, 0x85][Math.floor(random() * 11)]!,
    () => 0x27, // apostrophe, for contractions
    () => 0xc0 + Math.floor(random() * 0x250), // Latin extended, combining marks
    () => 0x370 + Math.floor(random() * 0x500), // Greek, Cyrillic, Armenian, Hebrew, Arabic
    () => 0x4e00 + Math.floor(random() * 0x5200), // CJK
    () => 0x1f300 + Math.floor(random() * 0x300), // emoji
    () => 0x1d400 + Math.floor(random() * 0x400), // mathematical letters and digits (astral \p{L}, \p{N})
    () => 0x660 + Math.floor(random() * 10), // Arabic-Indic digits
    () => 0x200d, // zero-width joiner
    () => Math.floor(random() * 0x20), // controls
    () => 0xe000 + Math.floor(random() * 0x1000), // private use
  ];
  const length = Math.floor(random() * maxLength);
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCodePoint(pools[Math.floor(random() * pools.length)]!());
  return out;
}
