// stopOnSignals: the first signal asks the trainer to stop (it then saves as at any end),
// the second quits at once with the shell's code for the signal, and dispose() gives the
// signals back. A fake signal target stands in for `process` (the real-signal path is
// driven end to end by the CLI's train-safety test).
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { signalExitCode, stopOnSignals } from './interrupt.js';

function fakeTrainer() {
  const hooks: (() => unknown)[] = [];
  return {
    stops: 0,
    hooks,
    stop() {
      this.stops++;
    },
    on(_event: 'batchEnd', fn: () => unknown) {
      hooks.push(fn);
      return () => hooks.splice(hooks.indexOf(fn), 1);
    },
  };
}

describe('stopOnSignals', () => {
  it('stops on the first signal, quits on the second, and removes its handlers', () => {
    const target = new EventEmitter();
    const trainer = fakeTrainer();
    const quits: string[] = [];
    const lines: string[] = [];
    const watch = stopOnSignals(trainer, {
      target: target as never,
      quit: (s) => quits.push(s),
      log: (l) => lines.push(l),
    });
    expect(trainer.hooks).toHaveLength(1); // the event-loop yield between steps
    target.emit('SIGINT', 'SIGINT');
    expect(trainer.stops).toBe(1);
    expect(watch.signal).toBe('SIGINT');
    expect(lines[0]).toMatch(
      /^SIGINT: stopping after this step and saving a checkpoint \(Ctrl-C again to quit at once\)$/,
    );
    expect(quits).toEqual([]);
    target.emit('SIGTERM', 'SIGTERM');
    expect(quits).toEqual(['SIGTERM']);
    watch.dispose();
    expect(target.listenerCount('SIGINT') + target.listenerCount('SIGTERM')).toBe(0);
    expect(trainer.hooks).toHaveLength(0);
  });

  it('maps signals to the shell exit codes', () => {
    expect(signalExitCode('SIGINT')).toBe(130);
    expect(signalExitCode('SIGTERM')).toBe(143);
  });
});
