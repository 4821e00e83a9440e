// Which README code block each example is: every ```ts block of every README is either
// an example here (type-checked, run and kept identical) or listed as an excerpt that
// cannot run alone, with the reason.
export interface ExampleBlock {
  /** The README, relative to the repository root. */
  readonly readme: string;
  /** Index of the ```ts block in that README (0 = the first). */
  readonly block: number;
  /** The example file in examples/src. */
  readonly file: string;
}

export const EXAMPLES: readonly ExampleBlock[] = [
  { readme: 'README.md', block: 0, file: 'root-readme.ts' },
  { readme: 'packages/tensor-core/README.md', block: 0, file: 'tensor-core.ts' },
  { readme: 'packages/backend-cpu/README.md', block: 0, file: 'backend-cpu.ts' },
  { readme: 'packages/backend-webgpu/README.md', block: 0, file: 'backend-webgpu.ts' },
  { readme: 'packages/nn/README.md', block: 0, file: 'nn.ts' },
  { readme: 'packages/tokenizers/README.md', block: 0, file: 'tokenizers.ts' },
  { readme: 'packages/datasets/README.md', block: 0, file: 'datasets.ts' },
  { readme: 'packages/decoding/README.md', block: 0, file: 'decoding.ts' },
  { readme: 'packages/trainer/README.md', block: 0, file: 'trainer.ts' },
  { readme: 'packages/hub-loader/README.md', block: 0, file: 'hub-loader.ts' },
];

/** Blocks that are excerpts, not programs. */
export const EXCERPTS: readonly { readme: string; block: number; reason: string }[] = [
  {
    readme: 'packages/tensor-core/README.md',
    block: 1,
    reason: "a third party's test file: imports the reader's own backend (./register-my-backend.js)",
  },
  {
    readme: 'packages/decoding/README.md',
    block: 1,
    reason: 'the CausalLM interface as documentation (the source is src/causal-lm.ts)',
  },
];

/** The READMEs searched for ```ts blocks. */
export const READMES = [
  'README.md',
  'apps/cli/README.md',
  ...[
    'backend-cpu',
    'backend-webgpu',
    'datasets',
    'decoding',
    'hub-loader',
    'nn',
    'tensor-core',
    'tokenizers',
    'trainer',
  ].map((name) => `packages/${name}/README.md`),
] as const;

export const REGION_START = '// #region readme\n';
export const REGION_END = '// #endregion readme\n';

/** The ```ts blocks of a markdown text, each with its trailing newline. */
export function tsBlocks(markdown: string): string[] {
  const blocks: string[] = [];
  let current: string[] | null = null;
  for (const line of markdown.split('\n')) {
    if (current === null && line.startsWith('```ts')) current = [];
    else if (current !== null && line.startsWith('```')) {
      blocks.push(`${current.join('\n')}\n`);
      current = null;
    } else current?.push(line);
  }
  return blocks;
}

/** The README part of an example file: what lies between the region markers. */
export function readmeRegion(source: string): string {
  const start = source.indexOf(REGION_START);
  const end = source.indexOf(REGION_END);
  if (start < 0 || end < start)
    throw new Error(`no '${REGION_START.trim()}' … '${REGION_END.trim()}' region`);
  return source.slice(start + REGION_START.length, end);
}
