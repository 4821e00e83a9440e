// `tensorlm search index | query`: semantic search over a corpus with @tensorlm/tasks'
// SearchIndex. `index` embeds every document of a corpus file (one per line, or a TSV /
// JSONL column) with a model's mean-pooled, normalised vectors, in batches with a
// progress bar, and saves the index (vectors in safetensors, documents in JSONL, the
// model's identity in the manifest). `query` answers by meaning (dense, exact cosine),
// by words (bm25) or both (hybrid, reciprocal-rank fusion); it loads the model the index
// was built with — recorded in the index — and refuses another one. The vectors are
// whitened by default (fitted on the corpus, stored with the index, applied to queries):
// raw mean-pooled vectors of small models share one dominant direction, so every cosine
// is near 1 and ranks follow it rather than meaning. Everything is checked
// before anything is written: an empty corpus, a folder that is not an index; an index is
// committed atomically, so a failed or interrupted build leaves nothing half-written.
import { resolve } from 'node:path';
import {
  checkIndexFolder,
  describeTransform,
  FUSIONS,
  hnswIndex,
  loadSearchIndex,
  modelIdentity,
  type PostProcessing,
  pipeline,
  pipelineEmbedder,
  readSearchManifest,
  SearchError,
  type SearchHit,
  SearchIndex,
  type SearchIndexManifest,
  saveSearchIndex,
  TOKEN_WEIGHTINGS,
} from '@tensorlm/tasks';
import { z } from 'zod';
import { switchOption, UsageError } from '../args.js';
import { backendOption, chooseBackend } from '../backend.js';
import { type CommandIO, defineCommand } from '../command.js';
import { CommandFailure } from '../errors.js';
import {
  describeLoad,
  jsonIO,
  type LoadedModel,
  loadModelForTask,
  locateSource,
  MODEL_OPTION_HELP,
  taskFailure,
} from '../model-files.js';
import { readCorpora } from './search-corpus.js';

const MODES = ['dense', 'bm25', 'hybrid'] as const;
const POST_PROCESSING_CHOICES = ['auto', 'whiten', 'center', 'none'] as const;
/** auto whitens a corpus of at least this many documents per vector dimension, else centers. */
const WHITEN_DOCUMENTS_PER_DIMENSION = 2;

const options = z.object({
  model: z.string().min(1).optional(),
  checkpoint: z.string().min(1).optional(),
  backend: backendOption,
  // index
  corpus: z.string().min(1).optional(),
  column: z.string().min(1).optional(),
  out: z.string().min(1).optional(),
  'batch-size': z.coerce.number().int().positive().max(4096).default(64),
  approximate: switchOption.default(false),
  'post-processing': z
    .enum(POST_PROCESSING_CHOICES, { error: `give one of ${POST_PROCESSING_CHOICES.join(', ')}` })
    .default('auto'),
  'whiten-dims': z.coerce.number().int().positive().max(65_536).optional(),
  'token-weights': z
    .enum(TOKEN_WEIGHTINGS, { error: `give one of ${TOKEN_WEIGHTINGS.join(', ')}` })
    .default('none'),
  // query
  index: z.string().min(1).optional(),
  k: z.coerce.number().int().positive().max(10_000).default(10),
  mode: z.enum(MODES, { error: `give one of ${MODES.join(', ')}` }).default('dense'),
  fusion: z.enum(FUSIONS, { error: `give one of ${FUSIONS.join(', ')}` }).default('rrf'),
  alpha: z.coerce
    .number({ error: 'give a number between 0 and 1' })
    .min(0, 'give a number between 0 and 1')
    .max(1, 'give a number between 0 and 1')
    .default(0.5),
  json: switchOption.default(false),
});

type SearchOptions = z.infer<typeof options>;

/** A library failure as the CLI's: a damaged or foreign index, another model → exit 1. */
function searchFailure(error: unknown): unknown {
  if (error instanceof SearchError) {
    if (error.code === 'SEARCH_INVALID') return new UsageError(error.message, { cause: error });
    return new CommandFailure(error.code, error.message, { cause: error });
  }
  return taskFailure(error);
}

/** Loads a model for search, with its identity (a fingerprint of its files) checked first. */
async function loadEmbeddingModel(
  source: string,
  io: CommandIO,
  opts: SearchOptions,
  expected?: SearchIndexManifest,
): Promise<{ loaded: LoadedModel; identity: { name: string; fingerprint: string } }> {
  const located = await locateSource(source, io);
  const name = located.kind === 'hub' ? source : resolve(source);
  const identity = await modelIdentity(located.folder, name);
  if (expected && identity.fingerprint !== expected.model.fingerprint)
    throw new CommandFailure(
      'SEARCH_MODEL_MISMATCH',
      `the index was built with the model '${expected.model.name}', and '${source}' is another model ` +
        `(or another checkpoint of it): its vectors would not be comparable. Query with --model ${expected.model.name}, ` +
        `or build the index again with this model.`,
    );
  const loaded = await loadModelForTask(source, io, {
    command: 'search',
    expect: 'encoder',
    backend: opts.backend,
  });
  return { loaded, identity };
}

function progressBar(io: CommandIO): (event: { done: number; total: number }) => void {
  let lastShown = -1;
  const started = Date.now();
  return ({ done, total }) => {
    const percent = Math.floor((100 * done) / total);
    const rate = done / Math.max(1e-3, (Date.now() - started) / 1000);
    const line = `embedding ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} (${percent}%, ${Math.round(rate)} docs/s)`;
    if (io.isTTY && io.write) {
      const width = 24;
      const filled = Math.round((width * done) / total);
      io.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line}${done === total ? '\n' : ''}`);
    } else if (percent >= lastShown + 10 || done === total) {
      lastShown = percent;
      io.out(line);
    }
  };
}

export interface SearchIndexResult {
  out: string;
  manifest: SearchIndexManifest;
  truncated: string[];
}

async function buildIndex(opts: SearchOptions, io: CommandIO): Promise<SearchIndexResult> {
  if (!opts.corpus)
    throw new UsageError(
      'give the documents: --corpus reviews.txt (one per line, or a .tsv / .jsonl column)',
    );
  if (!opts.out) throw new UsageError('say where to save the index: --out DIR');
  const source = opts.model ?? opts.checkpoint;
  if (!source)
    throw new UsageError(
      'give the embedding model: --model DIR|REPO (e.g. a run of `tensorlm train embeddings`)',
    );
  const out = resolve(opts.out);
  // Every check on the input and the target before a model is loaded or a byte written.
  const corpora = await readCorpora(opts.corpus, { flag: '--corpus', column: opts.column });
  const documents = corpora.flatMap((c) =>
    c.documents.map((d) => ({ id: d.id, text: d.text, ...(d.metadata ? { metadata: d.metadata } : {}) })),
  );
  const lineOf = new Map(
    corpora.flatMap((c) => c.documents.map((d) => [d.id, `${c.path} line ${d.line}`] as const)),
  );
  try {
    await checkIndexFolder(out);
  } catch (error) {
    throw searchFailure(error);
  }
  const { loaded, identity } = await loadEmbeddingModel(source, io, opts);
  let index: SearchIndex | null = null;
  try {
    describeLoad(loaded, io);
    io.out(
      `corpus: ${documents.length.toLocaleString('en-US')} documents from ${corpora.map((c) => c.path).join(', ')}`,
    );
    const extractor = await pipeline('feature-extraction', loaded, {
      batchSize: opts['batch-size'],
      onNote: () => {},
    });
    const started = Date.now();
    try {
      const postProcessing = choosePostProcessing(opts, documents.length, extractor.dimension, io);
      const built = await SearchIndex.build(documents, {
        embedder: pipelineEmbedder(extractor, identity),
        batchSize: opts['batch-size'],
        onProgress: progressBar(io),
        postProcessing,
        tokenWeighting: opts['token-weights'],
        ...(opts.approximate ? { vectorIndex: hnswIndex() } : {}),
      });
      index = built.index;
      const seconds = (Date.now() - started) / 1000;
      io.out(
        `embedded ${documents.length.toLocaleString('en-US')} documents in ${seconds.toFixed(1)} s ` +
          `(${Math.round(documents.length / Math.max(seconds, 1e-3)).toLocaleString('en-US')} docs/s)`,
      );
      const { truncated } = built.report;
      if (truncated.length > 0)
        io.out(
          `note: ${truncated.length.toLocaleString('en-US')} document(s) are longer than the model's ${maxTokensOf(loaded)} tokens ` +
            `and were truncated: their vectors cover the first ${maxTokensOf(loaded)} (BM25 still reads all of them); first: ${lineOf.get(truncated[0]!)}`,
        );
      const manifest = await saveSearchIndex(index, out, { modelSource: identity.name });
      io.out(
        `index: ${out} (${manifest.count.toLocaleString('en-US')} vectors of width ${manifest.dimension}, ${manifest.vectorIndex}; ` +
          `post-processing: ${describeTransform(index.transform)}` +
          `${index.tokenWeights ? `; SIF token weights (a ${index.tokenWeights.a}, counted on ${index.tokenWeights.tokens.toLocaleString('en-US')} tokens)` : ''})`,
      );
      io.out(`next: tensorlm search query --index ${opts.out} "a film that made me laugh"`);
      return { out, manifest, truncated };
    } finally {
      extractor.dispose();
    }
  } catch (error) {
    throw searchFailure(error);
  } finally {
    index?.dispose();
    loaded.model.dispose();
  }
}

/** The post-processing --post-processing asks for; auto whitens a large enough corpus. */
function choosePostProcessing(
  opts: SearchOptions,
  documents: number,
  width: number,
  io: CommandIO,
): PostProcessing {
  const asked = opts['post-processing'];
  const dims = opts['whiten-dims'];
  if (dims !== undefined && asked !== 'whiten' && asked !== 'auto')
    throw new UsageError(`--whiten-dims goes with --post-processing whiten, not ${asked}`);
  if (dims !== undefined && dims > width)
    throw new UsageError(`--whiten-dims ${dims} is more than the model's width ${width}`);
  const whiten: PostProcessing = dims === undefined ? 'whiten' : { kind: 'whiten', dims };
  if (asked !== 'auto') return asked === 'whiten' ? whiten : asked;
  if (documents >= WHITEN_DOCUMENTS_PER_DIMENSION * width) return whiten;
  io.out(
    `note: ${documents} documents are too few to whiten vectors of width ${width} (auto whitens from ` +
      `${WHITEN_DOCUMENTS_PER_DIMENSION * width}): centering them instead`,
  );
  return 'center';
}

function maxTokensOf(loaded: LoadedModel): number {
  const config = (loaded.model as { config?: { maxPositionEmbeddings?: number; blockSize?: number } }).config;
  return config?.maxPositionEmbeddings ?? config?.blockSize ?? Number.POSITIVE_INFINITY;
}

export interface SearchQueryResult {
  query: string;
  mode: (typeof MODES)[number];
  hits: SearchHit[];
}

const fmt = (x: number) => (Math.abs(x) < 10 ? x.toFixed(4) : x.toFixed(2));

async function queryIndex(
  opts: SearchOptions,
  positional: readonly string[],
  io: CommandIO,
): Promise<SearchQueryResult> {
  if (!opts.index) throw new UsageError('say which index: --index DIR (made by `tensorlm search index`)');
  const text = positional.join(' ').trim();
  if (text.length === 0)
    throw new UsageError(
      'give the query text, e.g. tensorlm search query --index DIR "a film that made me laugh"',
    );
  const out = jsonIO(io, opts.json);
  let manifest: SearchIndexManifest;
  try {
    manifest = await readSearchManifest(opts.index);
  } catch (error) {
    throw searchFailure(error);
  }
  let loaded: LoadedModel | null = null;
  let index: SearchIndex | null = null;
  try {
    let embedder: ReturnType<typeof pipelineEmbedder> | null = null;
    let dispose = () => {};
    if (opts.mode === 'bm25') {
      if (opts.model ?? opts.checkpoint) out.out('note: --mode bm25 ranks by words; the model is not used');
    } else {
      const source = opts.model ?? opts.checkpoint ?? manifest.modelSource;
      if (!source)
        throw new UsageError(`the index in ${opts.index} does not record its model: give it with --model`);
      const model = await loadEmbeddingModel(source, out, opts, manifest);
      loaded = model.loaded;
      const extractor = await pipeline('feature-extraction', loaded, {
        onNote: (m) => (io.err ?? console.error)(`note: the query ${m.replace(/^input 0 /, '')}`),
      });
      dispose = () => extractor.dispose();
      embedder = pipelineEmbedder(extractor, model.identity);
    }
    try {
      if (!embedder) await chooseBackend(opts.backend, out);
      index = await loadSearchIndex(opts.index, {
        embedder,
        ...(manifest.vectorIndex === 'hnsw' ? { vectorIndex: hnswIndex() } : {}),
      });
      const hits = await index.query(text, {
        k: opts.k,
        mode: opts.mode,
        fusion: opts.fusion,
        alpha: opts.alpha,
      });
      if (opts.json)
        io.out(JSON.stringify({ query: text, mode: opts.mode, index: resolve(opts.index), hits }, null, 2));
      else {
        out.out(`top ${hits.length} of ${index.size.toLocaleString('en-US')} for "${text}" (${opts.mode}):`);
        for (const hit of hits)
          out.out(`${String(hit.rank).padStart(3)}. ${fmt(hit.score)}  ${hit.text}  [${hit.id}]`);
        if (hits.length === 0) out.out('  (no document shares a word with the query)');
      }
      return { query: text, mode: opts.mode, hits };
    } finally {
      dispose();
    }
  } catch (error) {
    throw searchFailure(error);
  } finally {
    index?.dispose();
    loaded?.model.dispose();
  }
}

export const searchCommand = defineCommand({
  name: 'search',
  summary: 'semantic search: `search index` a corpus with a model, `search query` it',
  help: `tensorlm search index --model M --corpus F[,F2…] --out DIR [options]
tensorlm search query --index DIR [options] "text"

index: embeds every document (mean-pooled, normalised vectors) and saves the index:
  --model DIR|REPO     ${MODEL_OPTION_HELP}
  --corpus F[,F2…]     one document per line, or a .tsv (with a header) / .jsonl column;
                       several files are one index (ids become <file>:<line>)
  --column C           the TSV / JSONL column with the text (default: text, else sentence)
  --out DIR            the index folder (new, empty, or an index to replace)
  --batch-size N       documents per forward pass (default 64)
  --approximate        an approximate HNSW index (usearch) instead of exact search
  --post-processing P  fitted on the corpus, saved with the index, applied to queries:
                       whiten (BERT-whitening: no direction of the vectors dominates),
                       center (subtract the corpus mean), none, or auto (default:
                       whiten from ${WHITEN_DOCUMENTS_PER_DIMENSION} documents per vector dimension, else center)
  --whiten-dims N      whiten: keep the N components of largest variance (default all)
  --token-weights W    none (default: plain mean pooling) or sif: weight each token by
                       a / (a + p(w)), p counted on the corpus, a = 1e-3 (Arora et al. 2017)
query: the k best documents, best first:
  --index DIR          a folder made by 'search index'
  --k N                how many (default 10)
  --mode M             dense (default: cosine of the vectors), bm25 (words), or hybrid
                       (both, fused)
  --fusion F           hybrid: rrf (default: reciprocal ranks, k 60) or relative-score
                       (min-max normalised scores, as Weaviate's relativeScoreFusion)
  --alpha A            hybrid: the dense ranker's share, 0 (BM25 only) … 1 (dense only);
                       default 0.5, both alike
  --model DIR|REPO     the index's model (default: the one it records; another is refused)
  --json               print { query, mode, index, hits } on stdout; messages go to stderr
  --backend B          auto (default), webgpu, wasm or cpu`,
  options,
  switches: ['json', 'approximate'],
  subcommands: {
    index: {
      summary: 'embed a corpus into an index --out DIR',
      options: [
        'corpus',
        'column',
        'out',
        'batch-size',
        'approximate',
        'post-processing',
        'whiten-dims',
        'token-weights',
      ],
    },
    query: {
      summary: 'the k best documents for a text --index DIR',
      options: ['index', 'k', 'mode', 'fusion', 'alpha', 'json'],
    },
  },
  async run(opts, positional, io) {
    const [what, ...rest] = positional;
    if (what === 'index') {
      if (rest.length > 0)
        throw new UsageError(`unexpected '${rest.join(' ')}' (the documents come from --corpus)`);
      return buildIndex(opts, io);
    }
    if (what === 'query') return queryIndex(opts, rest, io);
    throw new UsageError("say 'tensorlm search index' or 'tensorlm search query'");
  },
});
