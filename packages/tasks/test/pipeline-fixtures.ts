// The checks of the pipelines against fixtures/make_fixtures.py (PyTorch, independent of
// tensorlm), shared by the cpu and webgpu test files: each returns what the pipeline gave
// beside what the reference says, and the test asserts.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pipeline } from '../src/pipelines/index.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
export const MLM = join(FIXTURES, 'bert-mlm');
export const ENCODER = join(FIXTURES, 'bert-model');
export const CLASSIFIER = join(FIXTURES, 'bert-classifier');

export async function expected<T>(folder: string): Promise<T> {
  return JSON.parse(await readFile(join(folder, 'expected.json'), 'utf8')) as T;
}

export interface Candidate {
  score: number;
  token: number;
  token_str: string;
  sequence: string;
}
export interface FillMaskCase {
  text: string;
  top_k: number;
  targets: string[] | null;
  input_ids: number[];
  output: Candidate[] | Candidate[][];
}

/** Largest |a − b| over two equally shaped nested arrays (Infinity on a shape mismatch). */
export function worstDiff(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b);
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return Number.POSITIVE_INFINITY;
  return a.reduce((worst: number, x, i) => Math.max(worst, worstDiff(x, b[i])), 0);
}

/** Every fill-mask case: our ids, tokens, strings and sequences, and the worst score difference. */
export async function fillMaskResults() {
  const { cases } = await expected<{ cases: FillMaskCase[] }>(MLM);
  const fill = await pipeline('fill-mask', MLM);
  try {
    const out = [];
    for (const c of cases) {
      const ours = await fill(c.text, { topK: c.top_k, ...(c.targets ? { targets: c.targets } : {}) });
      const perMask = (x: unknown[]) =>
        (Array.isArray(x[0]) ? x : [x]) as Array<Array<Record<string, unknown>>>;
      const theirs = perMask(c.output);
      const mine = perMask(ours);
      out.push({
        text: c.text,
        ids: fill.tokenizer.encode(c.text),
        expectedIds: c.input_ids,
        shape: mine.map((m) => m.length),
        expectedShape: theirs.map((m) => m.length),
        nested: Array.isArray((ours as unknown[])[0]),
        expectedNested: Array.isArray(c.output[0]),
        labels: mine.map((m) => m.map(({ token, tokenStr, sequence }) => ({ token, tokenStr, sequence }))),
        expectedLabels: theirs.map((m) =>
          m.map(({ token, token_str, sequence }) => ({ token, tokenStr: token_str, sequence })),
        ),
        worstScore: worstDiff(
          mine.map((m) => m.map((x) => x.score)),
          theirs.map((m) => m.map((x) => x.score)),
        ),
      });
    }
    return out;
  } finally {
    fill.dispose();
  }
}

interface EmbeddingExpected {
  sentences: string[];
  input_ids: number[][];
  mean_normalized: number[][];
  cls: number[][];
  last_hidden_state_first: number[][];
}

/** Mean + normalize, cls and per-token vectors of the padded batch, with the worst differences. */
export async function embeddingResults() {
  const e = await expected<EmbeddingExpected>(ENCODER);
  const embed = await pipeline('feature-extraction', ENCODER);
  try {
    const mean = await embed(e.sentences, { pooling: 'mean', normalize: true });
    const cls = await embed(e.sentences, { pooling: 'cls' });
    const tokens = await embed(e.sentences[0]!, { pooling: 'none' });
    return {
      ids: e.sentences.map((s) => embed.tokenizer.encode(s)),
      expectedIds: e.input_ids.map((row) => row.filter((id, i) => i === 0 || id !== 0)),
      worstMean: worstDiff(mean, e.mean_normalized),
      worstCls: worstDiff(cls, e.cls),
      worstTokens: worstDiff(tokens, e.last_hidden_state_first),
    };
  } finally {
    embed.dispose();
  }
}

interface ClassifierExpected {
  cases: Array<{ text: string; input_ids: number[]; top: Array<{ label: string; score: number }> }>;
}

/** Every label with its probability, best first, for each text (one batch). */
export async function classificationResults() {
  const e = await expected<ClassifierExpected>(CLASSIFIER);
  const classify = await pipeline('text-classification', CLASSIFIER);
  try {
    const ours = await classify(
      e.cases.map((c) => c.text),
      { topK: null },
    );
    return {
      labels: ours.map((row) => row.map((x) => x.label)),
      expectedLabels: e.cases.map((c) => c.top.map((x) => x.label)),
      worst: worstDiff(
        ours.map((row) => row.map((x) => x.score)),
        e.cases.map((c) => c.top.map((x) => x.score)),
      ),
    };
  } finally {
    classify.dispose();
  }
}
