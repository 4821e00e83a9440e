// Ctrl-C during training: the first SIGINT (or SIGTERM) asks the trainer to stop after the
// step it is on — which then saves a checkpoint as at any end of training — and a second
// one quits at once. The handlers are removed when training ends, so a process embedding
// the trainer gets its signals back.

/** What stopOnSignals needs of a trainer: its stop() and a batchEnd hook. */
export interface Stoppable {
  stop(): void;
  on(event: 'batchEnd', fn: () => void | Promise<void>): () => void;
}

/** The signal part of `process` (injectable for tests). */
export interface SignalTarget {
  on(signal: NodeJS.Signals, fn: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, fn: (signal: NodeJS.Signals) => void): unknown;
}

export interface StopOnSignalsOptions {
  signals?: readonly NodeJS.Signals[];
  /** Told about the first signal (default: nothing). */
  log?: (line: string) => void;
  /** The second signal: quit at once (default process.exit with 128 + the signal's number). */
  quit?: (signal: NodeJS.Signals) => void;
  target?: SignalTarget;
}

export interface SignalWatch {
  /** The first signal received, or null. */
  readonly signal: NodeJS.Signals | null;
  /** Removes the handlers (call when training ends). */
  dispose(): void;
}

/** The shell's exit status for a process ended by `signal` (130 for SIGINT, 143 for SIGTERM). */
export function signalExitCode(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
  return 128 + (numbers[signal] ?? 15);
}

function nextMacrotask(): Promise<void> {
  return new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );
}

/**
 * Lets a pending signal's handler run between steps of a CPU-only loop. Signals are read
 * in the event loop's poll phase; one setImmediate may run in the same iteration's check
 * phase without passing it, two always span a poll.
 */
async function yieldToEventLoop(): Promise<void> {
  await nextMacrotask();
  await nextMacrotask();
}

export function stopOnSignals(trainer: Stoppable, options: StopOnSignalsOptions = {}): SignalWatch {
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const target = options.target ?? (process as SignalTarget);
  const quit = options.quit ?? ((signal: NodeJS.Signals) => process.exit(signalExitCode(signal)));
  let received: NodeJS.Signals | null = null;
  const handler = (signal: NodeJS.Signals) => {
    if (received !== null) {
      quit(signal);
      return;
    }
    received = signal;
    trainer.stop();
    options.log?.(
      `${signal}: stopping after this step and saving a checkpoint (${signal === 'SIGINT' ? 'Ctrl-C' : 'send it'} again to quit at once)`,
    );
  };
  for (const signal of signals) target.on(signal, handler);
  // Signal handlers run on the event loop, which a loop of resolved promises never reaches.
  const removeYield = trainer.on('batchEnd', yieldToEventLoop);
  return {
    get signal() {
      return received;
    },
    dispose() {
      removeYield();
      for (const signal of signals) target.off(signal, handler);
    },
  };
}
