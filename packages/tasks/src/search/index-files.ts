// The files of a saved search index, as bytes (browser or Node; ./persist.node.ts puts them
// on disk):
//   search-index.json          the manifest: format and version, the model's identity,
//                              vector width and count, BM25 parameters, and each data
//                              file's name, size and SHA-256 (an edited or truncated file
//                              is caught on load)
//   vectors.<sha8>.safetensors one F32 tensor `embeddings` (N, D), unit rows, in document order;
//                              with post-processing also `postprocess.mean` (M) and, for
//                              whitening, `postprocess.matrix` (M, D), M the model's width
//                              (the manifest's `postProcessing` records kind and widths);
//                              with token weights `pooling.token_weights` (V), one per
//                              vocabulary id (the manifest's `tokenWeighting`). An index
//                              with either is version 2, which older readers refuse
//                              rather than embedding queries without them
//   documents.<sha8>.jsonl     one {"id", "text", "metadata"?} object per line, same order
// Data files are named by their content hash, so a save writes new files beside the old
// ones and commits by replacing the manifest alone (see ./persist.node.ts).
import { parseSafetensors, type SafetensorsFile, serializeSafetensors } from '@tensorlm/nn';
import { z } from 'zod';
import type { ModelIdentity } from './embedder.js';
import { SearchError } from './errors.js';
import { transformRecord, transformRecordSchema, type VectorTransform } from './post-processing.js';
import { type SearchDocument, SearchIndex, searchDocumentSchema } from './search-index.js';
import { type TokenWeights, tokenWeightsRecord, tokenWeightsRecordSchema } from './token-weights.js';
import type { VectorIndexFactory } from './vector-index.js';

export const INDEX_FORMAT = 'tensorlm-search-index';
export const MANIFEST_FILE = 'search-index.json';
/** Data file names: `vectors.<first 8 hex of SHA-256>.safetensors`, `documents.<…>.jsonl`. */
export const DATA_FILE_PATTERN = /^(vectors\.[0-9a-f]{8}\.safetensors|documents\.[0-9a-f]{8}\.jsonl)$/;
const VECTORS_TENSOR = 'embeddings';
const MEAN_TENSOR = 'postprocess.mean';
const MATRIX_TENSOR = 'postprocess.matrix';
const TOKEN_WEIGHTS_TENSOR = 'pooling.token_weights';

const fileEntry = z.object({
  name: z.string().regex(DATA_FILE_PATTERN, 'not a data file name of a search index'),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const manifestSchema = z.object({
  format: z.literal(INDEX_FORMAT),
  /** 1: plain vectors; 2: may hold `postProcessing` and `tokenWeighting`. */
  version: z.union([z.literal(1), z.literal(2)]),
  model: z.object({ name: z.string(), fingerprint: z.string().min(1) }),
  /** How to load the model again (a folder or repo id), when the index was built from one. */
  modelSource: z.string().optional(),
  dimension: z.number().int().positive(),
  count: z.number().int().positive(),
  vectorIndex: z.string(),
  bm25: z.object({ k1: z.number().nonnegative(), b: z.number().min(0).max(1) }),
  /** Centering or whitening fitted at build time; its tensors are in the vectors file. */
  postProcessing: transformRecordSchema.optional(),
  /** SIF token weights of the mean pooling; the table is in the vectors file. */
  tokenWeighting: tokenWeightsRecordSchema.optional(),
  files: z.object({ vectors: fileEntry, documents: fileEntry }),
  createdAt: z.string(),
});

export type SearchIndexManifest = z.infer<typeof manifestSchema>;

export interface IndexFiles {
  manifest: SearchIndexManifest;
  vectors: Uint8Array;
  documents: Uint8Array;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function fileEntryOf(stem: string, extension: string, bytes: Uint8Array) {
  const sha256 = await sha256Hex(bytes);
  return { name: `${stem}.${sha256.slice(0, 8)}.${extension}`, bytes: bytes.length, sha256 };
}

/** The index as its three files' contents (names in `manifest.files`). */
export async function encodeSearchIndex(
  index: SearchIndex,
  options: { modelSource?: string } = {},
): Promise<IndexFiles> {
  const documents = index.documents();
  if (documents.length === 0)
    throw new SearchError('SEARCH_EMPTY_CORPUS', 'cannot save a search index with no documents');
  const transform = index.transform;
  const tokenWeights = index.tokenWeights;
  const vectors = serializeSafetensors(
    {
      [VECTORS_TENSOR]: {
        dtype: 'f32',
        shape: [documents.length, index.dimension],
        data: index.vectorData(),
      },
      ...(transform
        ? {
            [MEAN_TENSOR]: { dtype: 'f32', shape: [transform.inputDimension], data: transform.mean },
            ...(transform.matrix
              ? {
                  [MATRIX_TENSOR]: {
                    dtype: 'f32',
                    shape: [transform.inputDimension, transform.outputDimension],
                    data: transform.matrix,
                  },
                }
              : {}),
          }
        : {}),
      ...(tokenWeights
        ? {
            [TOKEN_WEIGHTS_TENSOR]: {
              dtype: 'f32',
              shape: [tokenWeights.weights.length],
              data: tokenWeights.weights,
            },
          }
        : {}),
    },
    { metadata: { format: INDEX_FORMAT, fingerprint: index.identity.fingerprint } },
  );
  const lines = documents.map((d) => JSON.stringify(d)).join('\n');
  const documentBytes = new TextEncoder().encode(`${lines}\n`);
  const manifest: SearchIndexManifest = {
    format: INDEX_FORMAT,
    version: transform || tokenWeights ? 2 : 1,
    model: { ...index.identity },
    ...(options.modelSource === undefined ? {} : { modelSource: options.modelSource }),
    dimension: index.dimension,
    count: documents.length,
    vectorIndex: index.vectorIndexKind,
    bm25: { k1: index.bm25.k1, b: index.bm25.b },
    ...(transform ? { postProcessing: transformRecord(transform) } : {}),
    ...(tokenWeights ? { tokenWeighting: tokenWeightsRecord(tokenWeights) } : {}),
    files: {
      vectors: await fileEntryOf('vectors', 'safetensors', vectors),
      documents: await fileEntryOf('documents', 'jsonl', documentBytes),
    },
    createdAt: new Date().toISOString(),
  };
  return { manifest, vectors, documents: documentBytes };
}

function corrupt(where: string, message: string, cause?: unknown): SearchError {
  return new SearchError(
    'SEARCH_INDEX_CORRUPT',
    `${where}: ${message}; the index is damaged — build it again with 'tensorlm search index'`,
    cause === undefined ? undefined : { cause },
  );
}

/** The manifest from its text; `where` names the file in errors. */
export function parseManifest(text: string, where: string): SearchIndexManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw corrupt(where, `not valid JSON (${(error as Error).message})`, error);
  }
  if ((json as { format?: unknown } | null)?.format !== INDEX_FORMAT)
    throw new SearchError('SEARCH_NOT_AN_INDEX', `${where} is not the manifest of a tensorlm search index`);
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success)
    throw corrupt(
      where,
      parsed.error.issues.map((i) => `field '${i.path.join('.')}': ${i.message}`).join('; '),
    );
  return parsed.data;
}

/**
 * The index from its files, checked against the manifest (sizes, SHA-256, counts, width,
 * ids). `embedder`, if given, must be the index's model. `folder` names files in errors.
 */
export async function decodeSearchIndex(
  files: IndexFiles,
  options: {
    folder?: string;
    embedder?: import('./embedder.js').Embedder | null;
    vectorIndex?: VectorIndexFactory;
  } = {},
): Promise<SearchIndex> {
  const at = (name: string) => (options.folder ? `${options.folder}/${name}` : name);
  const { manifest } = files;
  for (const [want, bytes] of [
    [manifest.files.vectors, files.vectors],
    [manifest.files.documents, files.documents],
  ] as const) {
    if (bytes.length !== want.bytes)
      throw corrupt(at(want.name), `it has ${bytes.length} bytes, the manifest recorded ${want.bytes}`);
    if ((await sha256Hex(bytes)) !== want.sha256)
      throw corrupt(at(want.name), 'its content differs from what was saved (SHA-256 mismatch)');
  }
  const vectorsFile = at(manifest.files.vectors.name);
  const documentsFile = at(manifest.files.documents.name);
  let safetensors: SafetensorsFile;
  try {
    safetensors = parseSafetensors(files.vectors, { source: vectorsFile });
  } catch (error) {
    throw corrupt(vectorsFile, (error as Error).message, error);
  }
  if (!safetensors.has(VECTORS_TENSOR)) throw corrupt(vectorsFile, `no tensor '${VECTORS_TENSOR}'`);
  const tensor = safetensors.get(VECTORS_TENSOR);
  const [rows, width] = tensor.shape;
  if (
    tensor.dtype !== 'f32' ||
    tensor.shape.length !== 2 ||
    rows !== manifest.count ||
    width !== manifest.dimension
  )
    throw corrupt(
      vectorsFile,
      `'${VECTORS_TENSOR}' is ${tensor.dtype} [${tensor.shape.join(', ')}], the manifest says f32 [${manifest.count}, ${manifest.dimension}]`,
    );
  const documents = parseDocuments(new TextDecoder().decode(files.documents), documentsFile);
  if (documents.length !== manifest.count)
    throw corrupt(
      documentsFile,
      `it holds ${documents.length} documents, the manifest says ${manifest.count}`,
    );
  const identity: ModelIdentity = manifest.model;
  const transform = readTransform(safetensors, manifest, vectorsFile);
  return SearchIndex.restore({
    transform,
    tokenWeights: readTokenWeights(safetensors, manifest, vectorsFile),
    identity,
    documents,
    vectors: tensor.data as Float32Array,
    dimension: manifest.dimension,
    bm25: manifest.bm25,
    ...(options.embedder ? { embedder: options.embedder } : {}),
    ...(options.vectorIndex ? { vectorIndex: options.vectorIndex } : {}),
  });
}

/** The post-processing the manifest records, from its tensors (checked against the record). */
function readTransform(
  file: SafetensorsFile,
  manifest: SearchIndexManifest,
  where: string,
): VectorTransform | null {
  const record = manifest.postProcessing;
  if (!record) return null;
  if (record.outputDimension !== manifest.dimension)
    throw corrupt(
      where,
      `the manifest's post-processing outputs width ${record.outputDimension}, its vectors have width ${manifest.dimension}`,
    );
  const read = (name: string, shape: number[]): Float32Array => {
    if (!file.has(name)) throw corrupt(where, `no tensor '${name}' (the manifest records ${record.kind})`);
    const t = file.get(name);
    if (t.dtype !== 'f32' || t.shape.join(',') !== shape.join(','))
      throw corrupt(
        where,
        `'${name}' is ${t.dtype} [${t.shape.join(', ')}], expected f32 [${shape.join(', ')}]`,
      );
    return t.data as Float32Array;
  };
  const mean = read(MEAN_TENSOR, [record.inputDimension]);
  if (record.kind === 'center' && record.inputDimension !== record.outputDimension)
    throw corrupt(
      where,
      `centering keeps the width, but the manifest records ${record.inputDimension} → ${record.outputDimension}`,
    );
  const matrix =
    record.kind === 'whiten' ? read(MATRIX_TENSOR, [record.inputDimension, record.outputDimension]) : null;
  return { ...record, mean, matrix };
}

/** The token weights the manifest records, from their tensor. */
function readTokenWeights(
  file: SafetensorsFile,
  manifest: SearchIndexManifest,
  where: string,
): TokenWeights | null {
  const record = manifest.tokenWeighting;
  if (!record) return null;
  if (!file.has(TOKEN_WEIGHTS_TENSOR))
    throw corrupt(
      where,
      `no tensor '${TOKEN_WEIGHTS_TENSOR}' (the manifest records ${record.kind} token weights)`,
    );
  const t = file.get(TOKEN_WEIGHTS_TENSOR);
  if (t.dtype !== 'f32' || t.shape.length !== 1 || t.shape[0] !== record.vocabSize)
    throw corrupt(
      where,
      `'${TOKEN_WEIGHTS_TENSOR}' is ${t.dtype} [${t.shape.join(', ')}], expected f32 [${record.vocabSize}]`,
    );
  const weights = t.data as Float32Array;
  for (const w of weights)
    if (!(w > 0) || !Number.isFinite(w))
      throw corrupt(where, `'${TOKEN_WEIGHTS_TENSOR}' holds ${w}, not a positive weight`);
  return { kind: record.kind, a: record.a, weights, fittedOn: record.fittedOn, tokens: record.tokens };
}

function parseDocuments(text: string, where: string): SearchDocument[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const seen = new Set<string>();
  return lines.map((line, i) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (error) {
      throw corrupt(`${where} line ${i + 1}`, 'not valid JSON', error);
    }
    const parsed = searchDocumentSchema.safeParse(json);
    if (!parsed.success)
      throw corrupt(
        `${where} line ${i + 1}`,
        parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; '),
      );
    if (seen.has(parsed.data.id))
      throw corrupt(`${where} line ${i + 1}`, `the id '${parsed.data.id}' appears twice`);
    seen.add(parsed.data.id);
    return parsed.data;
  });
}
