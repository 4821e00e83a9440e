import { describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { demoOptions, runDemo } from './commands/demo.js';

describe('tensorlm demo', () => {
  it('trains the MLP: the loss falls well below ln 2 and the circle is learned', async () => {
    const lines: string[] = [];
    const result = await runDemo(demoOptions.parse({ steps: '200', seed: '3' }), (l) => lines.push(l));
    expect(lines[0]).toMatch(/^backend: cpu/);
    expect(result.losses[0]).toBeGreaterThan(0.5);
    expect(result.losses.at(-1)!).toBeLessThan(0.35);
    expect(result.losses.at(-1)!).toBeLessThan(result.losses[0]! / 2);
    expect(result.accuracy).toBeGreaterThan(0.85);
  });

  it('rejects bad options with a message naming the option', async () => {
    const errors: string[] = [];
    const original = console.error;
    console.error = (m: string) => errors.push(m);
    try {
      expect(await main(['demo', '--steps', 'ten'])).toBe(2);
      expect(await main(['demo', '--stpes', '10'])).toBe(2);
      expect(await main(['frobnicate'])).toBe(2);
    } finally {
      console.error = original;
    }
    expect(errors[0]).toMatch(/--steps/);
    expect(errors[1]).toMatch(/unknown option --stpes/);
    expect(errors[2]).toMatch(/unknown command 'frobnicate'/);
  });

  it('prints help', async () => {
    const lines: string[] = [];
    expect(await main(['demo', '--help'], (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toMatch(/--steps N/);
  });
});
