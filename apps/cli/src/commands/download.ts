// `tensorlm download REPO`: fetches a model from the Hugging Face Hub into the Hugging Face
// cache (the one Python's huggingface_hub and transformers use, so either side finds what
// the other downloaded) and prints its snapshot folder, which `--model` then accepts.
// Progress is a redrawn bar per file on a terminal, one line per file in a pipe. Ctrl-C
// stops cleanly: the partial file is kept and the same command resumes it.
import {
  checkRepoId,
  checkRevision,
  type DownloadProgress,
  HubError,
  resolveSnapshot,
} from '@tensorlm/hub-loader';
import { z } from 'zod';
import { switchOption, UsageError } from '../args.js';
import { type CommandIO, defineCommand } from '../command.js';
import { CliError, CommandFailure } from '../errors.js';

const options = z.object({
  revision: z.string().min(1).optional(),
  'cache-dir': z.string().min(1).optional(),
  token: z.string().min(1).optional(),
  offline: switchOption.default(false),
});

export interface DownloadCommandResult {
  /** `<cache>/models--ORG--NAME/snapshots/<commit>`. */
  snapshot: string;
}

/** Stopped by Ctrl-C (130) or SIGTERM (143) while downloading. */
export class DownloadInterrupted extends CliError {
  readonly exitCode: 130 | 143;
  constructor(signal: 'SIGINT' | 'SIGTERM') {
    super(
      'CLI_INTERRUPTED',
      'download interrupted: the partial file is kept in the cache; run the same command again to resume',
    );
    this.name = 'DownloadInterrupted';
    this.exitCode = signal === 'SIGTERM' ? 143 : 130;
  }
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/**
 * Download progress for a terminal (one bar per file, redrawn at most ~10 times a second
 * and always at 100%) or for a pipe (one line per finished file). Exported for commands
 * that download through `--model`.
 */
export function downloadProgress(io: CommandIO, columns = 80): (progress: DownloadProgress) => void {
  const tty = io.isTTY === true && io.write !== undefined;
  let drawnAt = 0;
  let current: string | undefined;
  return ({ file, bytesDone, bytesTotal }) => {
    const done = bytesDone >= bytesTotal;
    if (!tty) {
      if (done && file !== current) io.out(`${file}: ${formatBytes(bytesTotal)}`);
      current = done ? file : undefined;
      return;
    }
    const now = Date.now();
    if (!done && file === current && now - drawnAt < 100) return;
    current = file;
    drawnAt = now;
    const fraction = bytesTotal === 0 ? 1 : bytesDone / bytesTotal;
    const text = `${formatBytes(bytesDone)} / ${formatBytes(bytesTotal)}`;
    const name = file.length > 32 ? `…${file.slice(-31)}` : file;
    const width = Math.max(10, columns - name.length - text.length - 12);
    const filled = Math.round(fraction * width);
    const percent = `${Math.floor(fraction * 100)}`.padStart(3);
    io.write?.(
      `\r${name} ${percent}% [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${text}${done ? '\n' : ''}`,
    );
    if (done) current = undefined;
  };
}

export const downloadCommand = defineCommand({
  name: 'download',
  summary: 'download a model from the Hugging Face Hub into the Hugging Face cache',
  help: `tensorlm download REPO [options]

Downloads config.json, generation_config.json, the tokenizer files and the weights
(model.safetensors, else its shards, else pytorch_model.bin) of a Hub repo such as gpt2
or openai-community/gpt2 into the Hugging Face cache, which Python's transformers shares,
and prints the snapshot folder. Files already in the cache are not downloaded again; a
download that was interrupted resumes where it stopped.

Options:
  --revision R     a branch, tag or commit (default main)
  --cache-dir D    the cache folder (default HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub)
  --token T        an access token for private and gated repos (default HF_TOKEN, else the saved login)
  --offline        use the cache only, never the network (also HF_HUB_OFFLINE=1)

Environment: HF_ENDPOINT (default https://huggingface.co), HF_HUB_CACHE, HF_HOME, HF_TOKEN,
HF_HUB_OFFLINE.`,
  options,
  switches: ['offline'],
  async run(opts, positional, io): Promise<DownloadCommandResult> {
    if (positional.length === 0)
      throw new UsageError(
        'say which repo: tensorlm download REPO (for example gpt2 or openai-community/gpt2)',
      );
    if (positional.length > 1)
      throw new UsageError(`one repo at a time: unexpected '${positional.slice(1).join(' ')}'`);
    const repo = positional[0]!;
    try {
      checkRepoId(repo);
      if (opts.revision !== undefined) checkRevision(opts.revision);
    } catch (error) {
      if (error instanceof HubError) throw new UsageError(error.message, { cause: error });
      throw error;
    }

    const controller = new AbortController();
    let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
    const stop = (signal: 'SIGINT' | 'SIGTERM') => () => {
      stoppedBy = signal;
      controller.abort(new DownloadInterrupted(signal));
    };
    const onInt = stop('SIGINT');
    const onTerm = stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    try {
      const snapshot = await resolveSnapshot(repo, {
        ...(opts.revision !== undefined ? { revision: opts.revision } : {}),
        ...(opts['cache-dir'] !== undefined ? { cacheDir: opts['cache-dir'] } : {}),
        ...(opts.token !== undefined ? { token: opts.token } : {}),
        ...(opts.offline ? { offline: true } : {}),
        onProgress: downloadProgress(io, process.stdout.columns || 80),
        signal: controller.signal,
      });
      io.out(snapshot);
      return { snapshot };
    } catch (error) {
      if (stoppedBy !== undefined) throw new DownloadInterrupted(stoppedBy);
      if (error instanceof HubError) throw new CommandFailure(error.code, error.message, { cause: error });
      throw error;
    } finally {
      process.removeListener('SIGINT', onInt);
      process.removeListener('SIGTERM', onTerm);
    }
  },
});
