// Bundles a browser entry with esbuild as a web app's bundler would (platform 'browser',
// the `browser` export condition, plus `source` so workspace packages resolve to their
// TypeScript) and reports every import of a Node built-in (`node:fs`, `fs`, …) or of Dawn
// (`webgpu`) that the entry can reach, each with the chain of files that reaches it. Such
// imports are kept external rather than failing the build, so one run lists all of them.
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile, type Plugin } from 'esbuild';

export const HARNESS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT = join(HARNESS_DIR, '..', '..');

/** Conditions for a browser bundle of the workspace: the browser entries, from source. */
export const BROWSER_CONDITIONS = ['browser', 'source'];

/** The packages a web app bundles, each checked through its `browser` export condition. */
export const BROWSER_PACKAGES = [
  '@tensorlm/tensor-core',
  '@tensorlm/backend-cpu',
  '@tensorlm/backend-webgpu',
  '@tensorlm/backend-wasm',
  '@tensorlm/nn',
  '@tensorlm/tokenizers',
  '@tensorlm/decoding',
  '@tensorlm/hub-loader',
  '@tensorlm/datasets',
  '@tensorlm/trainer',
  '@tensorlm/tasks',
] as const;

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** A module a browser cannot load: a Node built-in, or Dawn's Node bindings. */
export function isForbidden(specifier: string): boolean {
  return (
    specifier.startsWith('node:') ||
    NODE_BUILTINS.has(specifier) ||
    specifier === 'webgpu' ||
    specifier.startsWith('webgpu/')
  );
}

export interface ForbiddenImport {
  /** The import as written (`node:fs/promises`). */
  specifier: string;
  /** Files from the entry to the one that imports it, relative to the repository root. */
  chain: string[];
}

export interface BundleResult {
  code: string;
  metafile: Metafile;
  forbidden: ForbiddenImport[];
}

/** Keeps forbidden imports external (so the build goes on) and remembers who imported them. */
function forbiddenCollector(seen: { specifier: string; importer: string }[]): Plugin {
  return {
    name: 'forbidden-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (!isForbidden(args.path)) return undefined;
        seen.push({ specifier: args.path, importer: args.importer });
        return { path: args.path, external: true };
      });
    },
  };
}

/** The shortest chain of inputs from `entry` to `target` in the metafile's import graph. */
function chainTo(metafile: Metafile, entry: string, target: string): string[] {
  const previous = new Map<string, string | null>([[entry, null]]);
  const queue = [entry];
  while (queue.length > 0) {
    const at = queue.shift()!;
    if (at === target) break;
    for (const next of metafile.inputs[at]?.imports ?? []) {
      if (next.external || previous.has(next.path)) continue;
      previous.set(next.path, at);
      queue.push(next.path);
    }
  }
  const chain: string[] = [];
  for (let at: string | null | undefined = target; at; at = previous.get(at)) chain.unshift(at);
  return chain;
}

/**
 * Bundles `source` (module text, resolved from tooling/browser) for browsers and lists the
 * forbidden imports reachable from it. The test's control bundles the Node entries instead,
 * with `platform: 'neutral'` (platform 'browser' always adds the `browser` condition) and
 * `conditions: ['source']`.
 */
export async function bundleForBrowser(
  source: string,
  options: { minify?: boolean; conditions?: string[]; platform?: 'browser' | 'neutral' } = {},
): Promise<BundleResult> {
  const seen: { specifier: string; importer: string }[] = [];
  const result = await build({
    stdin: { contents: source, resolveDir: HARNESS_DIR, sourcefile: 'entry.ts', loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: options.platform ?? 'browser',
    target: 'es2022',
    conditions: options.conditions ?? BROWSER_CONDITIONS,
    metafile: true,
    minify: options.minify ?? false,
    absWorkingDir: ROOT,
    logLevel: 'silent',
    plugins: [forbiddenCollector(seen)],
  });
  const { metafile } = result;
  // esbuild names the stdin entry by its resolveDir and sourcefile, relative to absWorkingDir.
  const entry = relative(ROOT, join(HARNESS_DIR, 'entry.ts')).replaceAll('\\', '/');
  const forbidden = seen.map(({ specifier, importer }) => {
    const relative = importer.startsWith(ROOT) ? importer.slice(ROOT.length + 1) : importer;
    return { specifier, chain: [...chainTo(metafile, entry, relative), specifier] };
  });
  return { code: result.outputFiles?.[0]?.text ?? '', metafile, forbidden };
}
