// Runs every README example as a user would (a fresh Node process, in an empty folder),
// and checks what it prints against what the README's comments promise.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

function run(file: string): string {
  const cwd = mkdtempSync(join(tmpdir(), 'tensorlm-example-'));
  try {
    const result = spawnSync(tsx, ['--conditions=source', fileURLToPath(new URL(file, import.meta.url))], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    });
    expect(result.status, `${file} failed:\n${result.stderr}`).toBe(0);
    return result.stdout;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

const numbers = (text: string) => (text.match(/-?\d+(\.\d+)?(e-?\d+)?/g) ?? []).map(Number);

describe('README examples run', { timeout: 120_000 }, () => {
  it('root README: the gradient of a 2×2 input', () => {
    const grad = numbers(run('./root-readme.ts'));
    expect(grad).toHaveLength(4);
    for (const g of grad) expect(Number.isFinite(g)).toBe(true);
  });

  it('tensor-core: the loss of logistic regression falls', () => {
    const lines = run('./tensor-core.ts').trim().split('\n');
    expect(lines.map((l) => Number(l.split(' ')[0]))).toEqual([0, 20, 40, 60, 80]);
    const losses = lines.map((l) => Number(l.split(' ')[1]));
    for (let i = 1; i < losses.length; i++) expect(losses[i]).toBeLessThan(losses[i - 1]!);
  });

  it('backend-cpu: a 512×512 product', () => {
    expect(run('./backend-cpu.ts').trim()).toBe('[ 512, 512 ]');
  });

  it('backend-webgpu: a backend is chosen and the product summed', () => {
    const last = run('./backend-webgpu.ts').trim().split('\n').at(-1)!;
    expect(Number.isFinite(Number(last))).toBe(true);
  });

  it('nn: GPT-2 has 124,439,808 parameters; gpt-nano learns; the saved folder loads', () => {
    const out = run('./nn.ts');
    expect(out.split('\n')[0]).toBe('124439808');
    const losses = [...out.matchAll(/^(0|10|20) (\d+\.\d{3})$/gm)].map((m) => Number(m[2]));
    expect(losses).toHaveLength(3);
    expect(losses[2]).toBeLessThan(losses[0]!);
    expect(out.trim().split('\n').at(-1)).toBe('[ 1, 8, 10 ]');
  });

  it('hub-loader: a saved folder loads back, its tied head reported', () => {
    const out = run('./hub-loader.ts');
    expect(out.trim()).toBe("[ 1, 3, 50 ] [ 'tied lm_head.weight to transformer.wte.weight' ]");
  });

  it("tokenizers: the merge steps of ' cirkumnavigate'", () => {
    const out = run('./tokenizers.ts');
    expect(out.split('\n')[0]).toBe('Ġ c i r k u m n a v i g a t e');
    expect(out).toContain('Ġc + ir (rank 10518) → Ġcir k umn av igate');
  });

  it('datasets: 9 batches of [2, 256] i32 windows; the grammar accepts and refuses', () => {
    const lines = run('./datasets.ts').trim().split('\n');
    expect(lines[0]).toBe('9');
    expect(lines.filter((l) => l === '[ 2, 256 ] i32')).toHaveLength(9);
    expect(lines.at(-1)).toBe('true false');
  });

  it('decoding: greedy, seeded sampling (4 rows) and a stream of 10 tokens', () => {
    const out = run('./decoding.ts');
    expect(out).toContain('[ 0, 0, 1, 1 ]');
    const streamed = out.trim().split('\n').at(-1)!.trim().split(' ');
    expect(streamed).toHaveLength(10);
  });

  it('trainer: 40 steps, both pad conventions, a loadable checkpoint', () => {
    const out = run('./trainer.ts');
    expect(out).toMatch(/padIncluded: \d/);
    expect(out).toMatch(/padIgnored: \d/);
    expect(out.trim().split('\n').at(-1)).toBe('160768');
  });
});
