// One policy for every package's tests that need something a machine may lack (a WebGPU
// adapter, the shared data folder): under CI (`CI` set, as every CI service does) its
// absence fails the run loudly, so a broken CI image never turns into green "skipped"
// tests; on a developer's machine the tests are skipped and the reason is printed.

/** True when running under CI: `CI` is set to anything but '', '0' or 'false'. */
export function underCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.CI;
  return value !== undefined && value !== '' && value !== '0' && value.toLowerCase() !== 'false';
}

/**
 * Whether the tests needing `resource` should run: true when it is `available`. When it
 * is not, throws under CI (the test file fails, naming what is missing and `hint` on how
 * to provide it), and elsewhere prints why the tests are skipped and returns false.
 * Use with `describe.runIf(requires(...))` / `it.runIf(...)`.
 */
export function requires(
  resource: string,
  available: boolean,
  hint: string,
  env: NodeJS.ProcessEnv = process.env,
  print: (line: string) => void = (line) => console.warn(line),
): boolean {
  if (available) return true;
  if (underCI(env)) throw new Error(`CI requires ${resource}, and it is missing: ${hint}`);
  print(`skipping the tests that need ${resource} (missing: ${hint}); under CI this fails`);
  return false;
}

/** `requires` for a WebGPU adapter, given whether `setBackend('webgpu')` succeeded. */
export function requiresWebGPU(available: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  return requires(
    'a WebGPU adapter',
    available,
    'no adapter was found; on Linux install Mesa (see tooling/setup.mjs and DESIGN.md "Headless WebGPU")',
    env,
  );
}
