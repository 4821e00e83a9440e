// `tensorlm fill-mask` on the tiny BERT of packages/tasks/fixtures (random weights; the
// expected candidates come from its PyTorch reference script): --json is exactly the
// pipeline's output in transformers' shape, the text form lists the candidates, and a text
// without [MASK] (exit 2) or a GPT (exit 1) fail with one clear line.
import '@tensorlm/backend-cpu';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../cli.js';

const PACKAGES = fileURLToPath(new URL('../../../../packages/', import.meta.url));
const TASK_FIXTURES = join(PACKAGES, 'tasks', 'fixtures');
const MLM = join(TASK_FIXTURES, 'bert-mlm');
const GPT2 = join(PACKAGES, 'hub-loader', 'fixtures', 'gpt2-official-safetensors');

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('tensorlm fill-mask', () => {
  it('--json prints the candidates of the reference (tokens, strings, sequences) and nothing else', async () => {
    const { cases } = JSON.parse(await readFile(join(MLM, 'expected.json'), 'utf8')) as {
      cases: Array<{
        text: string;
        top_k: number;
        output: Array<{ token: number; token_str: string; sequence: string; score: number }>;
      }>;
    };
    const c = cases[0]!;
    const { code, out, err } = await cli(['fill-mask', '--model', MLM, '--backend', 'cpu', '--json', c.text]);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const json = JSON.parse(out[0]!) as Array<{
      token: number;
      tokenStr: string;
      sequence: string;
      score: number;
    }>;
    expect(json.map(({ token, tokenStr, sequence }) => ({ token, tokenStr, sequence }))).toEqual(
      c.output.map(({ token, token_str, sequence }) => ({ token, tokenStr: token_str, sequence })),
    );
    const worst = Math.max(...json.map((x, i) => Math.abs(x.score - c.output[i]!.score)));
    expect(worst).toBeLessThan(1e-4);
    expect(err.some((l) => l.startsWith('backend: cpu'))).toBe(true);
  });

  it('prints each candidate on a line, one block per mask', async () => {
    const { code, out } = await cli([
      'fill-mask',
      '--model',
      MLM,
      '--backend',
      'cpu',
      '--top-k',
      '2',
      'the [MASK] saw a [MASK] cat.',
    ]);
    expect(code).toBe(0);
    const at = out.indexOf('the [MASK] saw a [MASK] cat.');
    expect(out.slice(at + 1)).toHaveLength(6);
    expect(out[at + 1]).toBe('  mask 1:');
    expect(out[at + 2]).toMatch(/^ {2}0\.\d{4} {2}\S+ +\[CLS\] the \S+ saw a \[MASK\] cat\. \[SEP\]$/);
  });

  it('a text without [MASK] is a usage error (2); a GPT model cannot fill masks (1)', async () => {
    const missing = await cli(['fill-mask', '--model', MLM, '--backend', 'cpu', 'no mask here.']);
    expect(missing.code).toBe(2);
    expect(missing.err[0]).toBe("tensorlm fill-mask: input 0 has no [MASK] token to fill: 'no mask here.'");
    const gpt = await cli(['fill-mask', '--model', GPT2, '--backend', 'cpu', 'a [MASK].']);
    expect(gpt.code).toBe(1);
    expect(gpt.err[0]).toBe(
      `tensorlm fill-mask: '${GPT2}' holds a GPT2LMHeadModel; fill-mask needs a masked LM (BertForMaskedLM)`,
    );
    const none = await cli(['fill-mask', '--model', MLM]);
    expect(none.code).toBe(2);
  });

  it('--help names the options', async () => {
    const { code, out } = await cli(['fill-mask', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--model', '--top-k', '--targets', '--json', '--backend'])
      expect(out.join('\n')).toContain(flag);
  });
});
