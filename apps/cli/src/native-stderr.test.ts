// fd 2 itself is redirected, so the mechanism is tested in a child process whose stderr
// is a file (as after a shell's `2>file`); native writes are stood in for by writeSync(2).
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { otherThanDawn } from './native-stderr.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const MODULE = fileURLToPath(new URL('./native-stderr.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tensorlm-native-stderr-'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('withNativeStderrCaptured', () => {
  it('captures what is written to fd 2 meanwhile, then puts stderr back', () => {
    const script = `
      import { writeSync } from 'node:fs';
      import { withNativeStderrCaptured } from ${JSON.stringify(MODULE)};
      writeSync(2, 'before\\n');
      const value = await withNativeStderrCaptured(
        async () => { writeSync(2, 'Warning: native chatter\\n'); return 42; },
        (text) => writeSync(1, 'captured: ' + JSON.stringify(text) + '\\n'),
      );
      writeSync(1, 'value: ' + value + '\\n');
      writeSync(2, 'after\\n');
    `;
    const errPath = join(dir, 'stderr');
    const outPath = join(dir, 'stdout');
    const err = openSync(errPath, 'w');
    const out = openSync(outPath, 'w');
    const child = spawnSync(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: ROOT, stdio: ['ignore', out, err], env: { ...process.env, TMPDIR: dir } },
    );
    closeSync(err);
    closeSync(out);
    expect(child.status).toBe(0);
    expect(readFileSync(outPath, 'utf8')).toBe('captured: "Warning: native chatter\\n"\nvalue: 42\n');
    expect(readFileSync(errPath, 'utf8')).toBe('before\nafter\n');
    // The temporary capture file is gone (tsx keeps its cache in TMPDIR too).
    expect(readdirSync(dir).filter((name) => name.startsWith('tensorlm-stderr-'))).toEqual([]);
  });
});

describe('otherThanDawn', () => {
  it("drops Dawn's log lines and keeps anything else", () => {
    const captured = [
      "Warning: Couldn't load Vulkan: libvulkan.so.1: cannot open shared object file",
      '    at operator() (/dawn/src/dawn/native/vulkan/BackendVk.cpp:368)',
      '',
      'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 90 to 16',
      'something else entirely',
      '',
    ].join('\n');
    expect(otherThanDawn(captured)).toEqual(['something else entirely']);
  });
});
