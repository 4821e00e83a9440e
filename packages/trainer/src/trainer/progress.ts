// Progress output for training: on a terminal, one line redrawn in place (a bar with
// step, loss, lr, tokens/s and ETA); elsewhere (CI logs, files, pipes) plain lines every
// `logInterval` steps, since carriage returns make a mess of logs. The writer is
// injectable, so tests capture exactly what a user would see.

/** Where progress goes: `process.stdout` fits, as does any object with `write`. */
export interface ProgressWriter {
  write(text: string): unknown;
  /** True for a terminal: redraw one line instead of printing lines. */
  isTTY?: boolean;
  /** Terminal width (for the bar). */
  columns?: number;
}

export interface ProgressUpdate {
  step: number;
  loss: number;
  lr: number;
  /** Tokens per second over recent steps (0 when unknown). */
  tokensPerSecond: number;
  elapsedMs: number;
}

export interface ProgressOptions {
  totalSteps: number;
  /** Plain-line mode: print every this many steps (and the last). Default 10. */
  logInterval?: number;
}

/** A number with thousands separators, fixed to `digits` decimals. */
function grouped(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Milliseconds as `1h02m`, `3m05s` or `4.2s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export class ProgressReporter {
  readonly totalSteps: number;
  readonly logInterval: number;
  private barShown = false;
  /** Steps already done when this run started (a resume): the ETA counts only this run's pace. */
  startStep = 0;

  constructor(
    private readonly writer: ProgressWriter,
    options: ProgressOptions,
  ) {
    this.totalSteps = options.totalSteps;
    this.logInterval = Math.max(1, options.logInterval ?? 10);
  }

  get isTTY(): boolean {
    return this.writer.isTTY === true;
  }

  /** Reports a finished step. */
  update(u: ProgressUpdate): void {
    const width = String(this.totalSteps).length;
    const stepText = `step ${String(u.step).padStart(width)}/${this.totalSteps}`;
    const stats = `loss ${u.loss.toFixed(4)} · lr ${u.lr.toExponential(2)} · ${grouped(u.tokensPerSecond)} tok/s`;
    if (this.isTTY) {
      const done = u.step - this.startStep;
      const remaining = done > 0 ? (u.elapsedMs / done) * (this.totalSteps - u.step) : Number.NaN;
      const tail = `${stats} · ${formatDuration(u.elapsedMs)} < ${formatDuration(remaining)}`;
      const columns = this.writer.columns ?? 100;
      const barWidth = Math.max(10, Math.min(30, columns - stepText.length - tail.length - 6));
      const filled = Math.round((u.step / this.totalSteps) * barWidth);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`;
      this.writer.write(`\r\x1b[2K${stepText} ${bar} ${tail}`);
      this.barShown = true;
      return;
    }
    if (u.step % this.logInterval === 0 || u.step === this.totalSteps || u.step === 1) {
      this.writer.write(`${stepText} · ${stats} · ${formatDuration(u.elapsedMs)}\n`);
    }
  }

  /** Prints a whole line (evaluations, checkpoints) without breaking the bar. */
  line(text: string): void {
    if (this.isTTY && this.barShown) {
      this.writer.write(`\r\x1b[2K${text}\n`);
      this.barShown = false;
      return;
    }
    this.writer.write(`${text}\n`);
  }

  /** Ends the bar's line (call once training stops). */
  finish(): void {
    if (this.isTTY && this.barShown) this.writer.write('\n');
    this.barShown = false;
  }
}
