// Atomic file writes: everything goes to a temporary file beside the target and is
// renamed over it at the end, so a crash or an error never leaves a half-written file.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';

function tempPathFor(target: string): string {
  const dir = path.dirname(target);
  return path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `text` to `target` atomically (temp file + rename). */
export async function writeTextAtomic(target: string, text: string): Promise<void> {
  await writeLinesAtomic(target, [text], '');
}

/**
 * Streams `lines` (sync or async) into `target` atomically, each followed by
 * `separator`, honouring the stream's back-pressure so memory stays flat.
 */
export async function writeLinesAtomic(
  target: string,
  lines: Iterable<string> | AsyncIterable<string>,
  separator = '\n',
): Promise<number> {
  const temp = tempPathFor(target);
  const out = fs.createWriteStream(temp, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => out.once('error', reject));
  failed.catch(() => {});
  let count = 0;
  try {
    for await (const line of lines) {
      const ok = out.write(separator ? line + separator : line);
      count++;
      if (!ok) await Promise.race([new Promise<void>((resolve) => out.once('drain', resolve)), failed]);
    }
    await Promise.race([new Promise<void>((resolve) => out.end(resolve)), failed]);
    await fsp.rename(temp, target);
    return count;
  } catch (error) {
    out.destroy();
    await fsp.rm(temp, { force: true });
    throw error;
  }
}
