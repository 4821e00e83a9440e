// Tiny random models and hand-built checkpoints for the hub-loader tests: every weight
// non-trivial (so a tensor loaded into the wrong slot changes the logits), and safetensors
// files written from plain name → array maps, as another library would lay them out.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BertForMaskedLM,
  bertConfig,
  GPT2LMHeadModel,
  gptConfig,
  type HostTensor,
  type Module,
  serializeSafetensors,
} from '@tensorlm/nn';
import { noGrad, randn, type Tensor, tensor, tidy } from '@tensorlm/tensor-core';

export const TINY_GPT = gptConfig({
  vocabSize: 23,
  blockSize: 16,
  nLayer: 2,
  nHead: 2,
  nEmbd: 16,
  embdPdrop: 0,
  residPdrop: 0,
  attnPdrop: 0,
});

export const TINY_BERT = bertConfig({
  vocabSize: 31,
  hiddenSize: 16,
  numHiddenLayers: 2,
  numAttentionHeads: 2,
  intermediateSize: 32,
  maxPositionEmbeddings: 16,
  hiddenDropoutProb: 0,
  attentionProbsDropoutProb: 0,
});

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tensorlm-hub-loader-${label}-`));
}

/** Replaces every parameter with seeded N(0, 0.3²) noise (LayerNorm scales around 1). */
export function randomize<M extends Module>(model: M, seed: number): M {
  noGrad(() => {
    model.namedParameters().forEach(([name, p], i) => {
      tidy(() => {
        const noise = randn(p.shape, { seed: seed + i, std: 0.3 });
        p.assign(/LayerNorm\.weight|ln_\w+\.weight/.test(name) ? noise.add(1) : noise);
      });
    });
  });
  return model.eval();
}

export const tinyGpt = (seed = 1) => randomize(new GPT2LMHeadModel(TINY_GPT), seed);
export const tinyBertMlm = (seed = 2) => randomize(new BertForMaskedLM(TINY_BERT), seed);

/** The model's state dict on the host, every name (tied ones under each). */
export async function hostStateDict(model: Module): Promise<Map<string, HostTensor>> {
  const out = new Map<string, HostTensor>();
  for (const [name, t] of model.stateDict()) {
    out.set(name, { dtype: t.dtype as 'f32', shape: [...t.shape], data: (await t.data()) as Float32Array });
    t.dispose();
  }
  return out;
}

/** Writes host tensors (in map order) as a safetensors file with format "pt". */
export async function writeSafetensors(
  path: string,
  tensors: ReadonlyMap<string, HostTensor>,
): Promise<void> {
  const { writeFile } = await import('node:fs/promises');
  await writeFile(path, serializeSafetensors([...tensors], { metadata: { format: 'pt' } }));
}

/** Logits of an LM (GPT or BERT MLM) for a fixed id sequence. */
export async function logitsOf(
  model: { forward(ids: Tensor): { logits: Tensor } },
  ids = [[1, 5, 2, 7, 3]],
): Promise<Float32Array> {
  const input = tensor(ids, { dtype: 'i32' });
  const logits = tidy(() => model.forward(input).logits);
  const data = (await logits.data()) as Float32Array;
  logits.dispose();
  input.dispose();
  return data;
}

/** A host tensor of `shape` filled from `fill(i)`. */
export function hostTensor(shape: number[], fill: (i: number) => number = () => 0): HostTensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { dtype: 'f32', shape, data: Float32Array.from({ length: n }, (_, i) => fill(i)) };
}
