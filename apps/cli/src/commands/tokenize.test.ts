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

  it('asks for a text when none is given', async () => {
    const original = console.error;
    const errors: string[] = [];
    console.error = (m: string) => errors.push(m);
    try {
      expect((await run(['tokenize'])).code).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors[0]).toMatch(/give a text/);
  });
});
