import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.js';

async function run(argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await main(argv, (line) => lines.push(line));
  return { code, lines };
}

describe('tensorlm tokenize', () => {
  it('gives GPT-2 ids (known values from the reference vocabulary)', async () => {
    // "Hello" = 15496 and " world" = 995 in GPT-2's vocab.json.
    const { code, lines } = await run(['tokenize', 'Hello world']);
    expect(code).toBe(0);
    expect(lines).toContain('ids: [15496, 995]');
    expect(lines).toContain('tokens: "Hello" "Ġworld"');
  });

  it('--explain is a switch: the text after it stays the text, and every merge is shown', async () => {
    const { lines } = await run(['tokenize', '--tokenizer', 'gpt2', '--explain', 'Hello']);
    expect(lines).toContain('  start:  H e l l o');
    const merges = lines.filter((l) => l.startsWith('  merge '));
    expect(merges.at(-1)).toMatch(/→ Hello$/);
    // Five symbols become one token: four merges.
    expect(merges).toHaveLength(4);
  });

  it('lower-cases for bert-base-uncased', async () => {
    const { lines } = await run(['tokenize', '--tokenizer', 'bert-base-uncased', 'Hello World']);
    // bert-base-uncased vocab.txt: "hello" = 7592, "world" = 2088.
    expect(lines).toContain('ids: [7592, 2088]');
  });

  it('asks for a text when none is given (usage, 2)', async () => {
    const errors: string[] = [];
    expect(await main(['tokenize'], { out: () => {}, err: (l) => errors.push(l) })).toBe(2);
    expect(errors).toEqual(['tensorlm tokenize: give a text, e.g. tensorlm tokenize "Hello world"']);
  });

  it('takes a text that starts with a dash after -- or =', async () => {
    expect((await run(['tokenize', '--', '-1 is'])).lines).toContain('tokens: "-" "1" "Ġis"');
    expect((await run(['tokenize', '--text=-1 is'])).lines).toContain('tokens: "-" "1" "Ġis"');
  });

  it('names a tokenizer that is neither packaged nor a file, and a malformed tokenizer file (failure, 1)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tensorlm-tokenize-'));
    try {
      const errors: string[] = [];
      const io = { out: () => {}, err: (l: string) => errors.push(l) };
      expect(await main(['tokenize', '--tokenizer', 'gtp2', 'Hello'], io)).toBe(1);
      expect(errors[0]).toBe(
        "tensorlm tokenize: tokenizer 'gtp2' is neither a packaged one (gpt2, bert-base-uncased) nor a file or folder",
      );
      const file = join(dir, 'tokenizer.json');
      await writeFile(file, '{"kind": "bpe", ');
      expect(await main(['tokenize', '--tokenizer', file, 'Hello'], io)).toBe(1);
      expect(errors[1]).toMatch(new RegExp(`^tensorlm tokenize: cannot load the tokenizer ${file}.*JSON`));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
