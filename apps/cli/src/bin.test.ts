// The real binary as a child process: exit codes as a shell sees them, and Dawn's native
// start-up chatter kept out of stderr unless --verbose. stdout and stderr are files, as
// with a shell's redirection (Node's own piped stdio are sockets, which cannot be
// re-opened to capture native output; see native-stderr.ts).
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = fileURLToPath(new URL('./bin.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tensorlm-bin-'));
let runs = 0;

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function tensorlm(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const outPath = join(dir, `out-${++runs}`);
  const errPath = join(dir, `err-${runs}`);
  const out = openSync(outPath, 'w');
  const err = openSync(errPath, 'w');
  try {
    const child = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', BIN, ...args], {
      cwd: ROOT,
      stdio: ['ignore', out, err],
      timeout: 120_000,
    });
    return {
      code: child.status,
      stdout: readFileSync(outPath, 'utf8'),
      stderr: readFileSync(errPath, 'utf8'),
    };
  } finally {
    closeSync(out);
    closeSync(err);
  }
}

describe('the tensorlm binary', () => {
  it('exits 2 for a wrong command line, 1 for a failure, 0 for --version', () => {
    expect(tensorlm('train', 'grammar', '--steps')).toEqual({
      code: 2,
      stdout: '',
      stderr: 'tensorlm train grammar: --steps needs a value\n',
    });
    const missing = join(dir, 'no-such-run');
    expect(tensorlm('generate', '--checkpoint', missing, '--prompt', 'the dog', '--backend', 'cpu')).toEqual({
      code: 1,
      stdout: '',
      stderr: `tensorlm generate: model '${missing}' does not exist\n`,
    });
    const version = (
      JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
    ).version;
    expect(tensorlm('--version')).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it("keeps Dawn's start-up chatter off stderr with --backend webgpu, and shows it with --verbose", () => {
    const args = ['demo', '--backend', 'webgpu', '--steps', '2', '--samples', '16'];
    const quiet = tensorlm(...args);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toMatch(/^backend: webgpu \(/);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout).not.toMatch(/Warning:/);

    const verbose = tensorlm(...args, '--verbose');
    expect(verbose.code).toBe(0);
    // Dawn's OpenGL backend (Mesa llvmpipe on a machine without a GPU) always reports
    // the limits it lowers; a native Vulkan / Metal start may print nothing at all.
    if (/dawn opengl/.test(verbose.stdout))
      expect(verbose.stderr).toMatch(
        /^Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced/m,
      );
    for (const line of verbose.stderr.split('\n'))
      expect(line).toMatch(/^(Warning: |Error: |Info: |\s+at |$)/);
  });
});
