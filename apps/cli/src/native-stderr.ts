// Dawn, the WebGPU implementation behind the `webgpu` package, prints its start-up
// warnings ("Couldn't load Vulkan …", "maxDynamicUniformBuffersPerPipelineLayout
// artificially reduced …") from native code straight to file descriptor 2: no JS hook
// sees them and dawn.node offers no option to route or silence them. So while a backend
// starts, fd 2 itself is pointed at a private temporary file and put back afterwards; the
// caller gets what was written and decides what to show (`--verbose`: everything).
//
// Node has no dup/dup2, so the original stderr is kept open by re-opening it through
// /proc/self/fd (Linux) or /dev/fd (macOS, where that is a dup), and "dup2" is close(2)
// followed by an open, which takes the lowest free descriptor — 2. Where that cannot work
// (Windows, stderr a socket as in a Node child with piped stdio, stdin or stdout closed, a
// worker thread), nothing is redirected and the messages go through as before.
import { randomUUID } from 'node:crypto';
import { closeSync, fstatSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMainThread } from 'node:worker_threads';

const STDERR = 2;

function reopenPath(fd: number): string | null {
  if (process.platform === 'linux') return `/proc/self/fd/${fd}`;
  if (process.platform === 'darwin' || process.platform === 'freebsd') return `/dev/fd/${fd}`;
  return null;
}

function isOpen(fd: number): boolean {
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}

/** Points fd 2 at `path`; returns a descriptor of the original stderr, or null when it could not. */
function redirectStderr(path: string): number | null {
  const original = reopenPath(STDERR);
  // With 0 or 1 closed, the open below would not land on 2; in a worker thread, other
  // threads of the process may open files while 2 is free (a test runner's threads pool).
  if (original === null || !isMainThread || !isOpen(0) || !isOpen(1) || !isOpen(STDERR)) return null;
  let saved: number;
  try {
    saved = openSync(original, 'a');
  } catch {
    return null; // a socket, or a terminal we may not reopen
  }
  closeSync(STDERR);
  let capture: number;
  try {
    capture = openSync(path, 'wx', 0o600);
  } catch {
    reinstate(saved); // no temporary file here: leave stderr as it was
    return null;
  }
  if (capture !== STDERR) {
    // Another thread opened a file in between and holds descriptor 2 now. Unreachable in
    // the CLI (nothing else runs while a backend starts); never close another's file.
    closeSync(capture);
    closeSync(saved);
    return null;
  }
  return saved;
}

/** Puts the original stderr (kept open as `saved`) back on the free descriptor 2. */
function reinstate(saved: number): void {
  const fd = openSync(reopenPath(saved)!, 'a');
  closeSync(saved);
  if (fd !== STDERR) closeSync(fd);
}

/**
 * Runs `task` with the process's native stderr (fd 2) captured, then calls `onCaptured`
 * with what was written there meanwhile (not called when capture is not possible here).
 */
export async function withNativeStderrCaptured<T>(
  task: () => Promise<T>,
  onCaptured: (text: string) => void,
): Promise<T> {
  const path = join(tmpdir(), `tensorlm-stderr-${process.pid}-${randomUUID()}.log`);
  const saved = redirectStderr(path);
  if (saved === null) return task();
  try {
    return await task();
  } finally {
    closeSync(STDERR);
    reinstate(saved);
    const captured = readFileSync(path, 'utf8');
    rmSync(path, { force: true });
    onCaptured(captured);
  }
}

/** Dawn's log lines ("Warning: …", "    at …" under them, blank lines between). */
const DAWN_LINE = /^(Warning|Error|Info|Debug): |^\s+at |^\s*$/;

/** The captured lines that are not Dawn's chatter (anything else is passed on to the user). */
export function otherThanDawn(captured: string): string[] {
  return captured.split('\n').filter((line) => !DAWN_LINE.test(line));
}
