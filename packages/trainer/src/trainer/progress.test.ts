// What a user sees: a redrawn bar on a terminal, plain lines elsewhere.
import { describe, expect, it } from 'vitest';
import { formatDuration, ProgressReporter } from './progress.js';

function capture(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, writer: { isTTY, columns: 120, write: (s: string) => chunks.push(s) } };
}

const update = (step: number) => ({
  step,
  loss: 3 / step,
  lr: 5e-4,
  tokensPerSecond: 12_345.6,
  elapsedMs: step * 1000,
});

describe('ProgressReporter', () => {
  it('prints plain lines every logInterval steps (and the first and last) when not a TTY', () => {
    const { chunks, writer } = capture(false);
    const p = new ProgressReporter(writer, { totalSteps: 25, logInterval: 10 });
    for (let s = 1; s <= 25; s++) p.update(update(s));
    p.line('step 25: val loss 1.0000');
    p.finish();
    expect(chunks).toEqual([
      'step  1/25 · loss 3.0000 · lr 5.00e-4 · 12,346 tok/s · 1.0s\n',
      'step 10/25 · loss 0.3000 · lr 5.00e-4 · 12,346 tok/s · 10.0s\n',
      'step 20/25 · loss 0.1500 · lr 5.00e-4 · 12,346 tok/s · 20.0s\n',
      'step 25/25 · loss 0.1200 · lr 5.00e-4 · 12,346 tok/s · 25.0s\n',
      'step 25: val loss 1.0000\n',
    ]);
    expect(chunks.join('')).not.toContain('\r');
    expect(chunks.join('')).not.toContain('\x1b');
  });

  it('redraws one line with a bar, loss, lr, tokens/s and ETA on a TTY', () => {
    const { chunks, writer } = capture(true);
    const p = new ProgressReporter(writer, { totalSteps: 4 });
    p.update(update(1));
    p.update(update(2));
    p.line('eval: val loss 2.0');
    p.update(update(4));
    p.finish();
    expect(chunks).toHaveLength(5);
    const clear = '\r\x1b[2K'; // carriage return + erase line
    expect(chunks[0]!.startsWith(clear)).toBe(true);
    expect(chunks[0]!.slice(clear.length)).toMatch(
      /^step 1\/4 [█░]+ loss 3\.0000 · lr 5\.00e-4 · 12,346 tok\/s · 1\.0s < 3\.0s$/,
    );
    // Half way: half the bar filled.
    const bar = /[█░]+/.exec(chunks[1]!)![0];
    expect(bar.split('█').length - 1).toBe(bar.length / 2);
    expect(chunks[2]).toBe('\r\x1b[2Keval: val loss 2.0\n');
    expect(chunks[3]).toMatch(/step 4\/4 █+ /);
    expect(chunks[4]).toBe('\n');
  });

  it('formats durations', () => {
    expect(formatDuration(4200)).toBe('4.2s');
    expect(formatDuration(185_000)).toBe('3m05s');
    expect(formatDuration(3_720_000)).toBe('1h02m');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});
