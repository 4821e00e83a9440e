// text-classification (alias sentiment-analysis): a label and its probability per text, as
// transformers' TextClassificationPipeline — softmax over the classifier's logits (sigmoid
// for a single-logit or multi-label head), labels from config.json's `id2label`, the
// `topK` best (all with `topK: null`). Sentence pairs go in as `{ text, textPair }`. BERT
// classifiers and GPT-2 ones (GPT2ForSequenceClassification, pooled at each row's last
// non-padding token) alike.
import { BertForSequenceClassification, GPT2ForSequenceClassification } from '@tensorlm/nn';
import { noGrad, type Tensor, tidy } from '@tensorlm/tensor-core';
import { z } from 'zod';
import {
  BasePipeline,
  callable,
  type ResolvedPipelineOptions,
  requireTokenizer,
  type TaskName,
  unsupportedModel,
} from './base.js';
import { asList, chunks, disposeBatch, encodeTexts, padBatch, type TextInput } from './encode.js';
import { parseOptions } from './errors.js';
import { inEvalMode, maxPositions, modelBackend, type ResolvedModel } from './model-source.js';

export interface ClassificationLabel {
  label: string;
  score: number;
}

export const textClassificationOptionsSchema = z.strictObject({
  /** Labels per text, best first (default 1); null for every label. */
  topK: z.number().int().min(1).nullable().default(1),
  /** How logits become scores; default softmax (sigmoid for one label or `problem_type: multi_label_classification`). */
  functionToApply: z.enum(['softmax', 'sigmoid', 'none']).optional(),
});
export type TextClassificationOptions = z.input<typeof textClassificationOptionsSchema>;

/** config.json's id2label as a list; `LABEL_i` where it has none (as transformers). */
export function labelsOf(rawConfig: Record<string, unknown> | null, count: number): string[] {
  const id2label = rawConfig?.id2label;
  return Array.from({ length: count }, (_, i) => {
    const named =
      typeof id2label === 'object' && id2label !== null
        ? (id2label as Record<string, unknown>)[String(i)]
        : undefined;
    return typeof named === 'string' ? named : `LABEL_${i}`;
  });
}

function scoresOf(logits: ArrayLike<number>, how: 'softmax' | 'sigmoid' | 'none'): number[] {
  const values = Array.from(logits);
  if (how === 'none') return values;
  if (how === 'sigmoid') return values.map((x) => 1 / (1 + Math.exp(-x)));
  const top = Math.max(...values);
  const exps = values.map((x) => Math.exp(x - top));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

export class TextClassification extends BasePipeline {
  readonly task: 'text-classification' | 'sentiment-analysis';
  override readonly model: BertForSequenceClassification | GPT2ForSequenceClassification;
  /** Label of each class index. */
  readonly labels: string[];

  constructor(
    resolved: ResolvedModel,
    options: ResolvedPipelineOptions,
    task: TaskName = 'text-classification',
  ) {
    const name = task === 'sentiment-analysis' ? task : 'text-classification';
    if (
      !(
        resolved.model instanceof BertForSequenceClassification ||
        resolved.model instanceof GPT2ForSequenceClassification
      )
    )
      throw unsupportedModel(
        name,
        'a model with a classification head (BertForSequenceClassification or GPT2ForSequenceClassification)',
        resolved,
        'it has no classification head: fine-tune one, or use feature-extraction',
      );
    super(resolved, options, requireTokenizer(resolved, name));
    this.task = name;
    this.model = resolved.model;
    this.labels = labelsOf(resolved.rawConfig, resolved.model.config.numLabels);
  }

  private defaultFunction(): 'softmax' | 'sigmoid' {
    const multi = this.resolved.rawConfig?.problem_type === 'multi_label_classification';
    return multi || this.labels.length === 1 ? 'sigmoid' : 'softmax';
  }

  run(input: TextInput, options?: TextClassificationOptions): Promise<ClassificationLabel[]>;
  run(inputs: readonly TextInput[], options?: TextClassificationOptions): Promise<ClassificationLabel[][]>;
  async run(
    inputs: TextInput | readonly TextInput[],
    options: TextClassificationOptions = {},
  ): Promise<ClassificationLabel[] | ClassificationLabel[][]> {
    this.checkUsable();
    const opts = parseOptions(textClassificationOptionsSchema, options, `${this.task} options`);
    const how = opts.functionToApply ?? this.defaultFunction();
    const { list, single } = asList(inputs);
    const rows = encodeTexts(this.tokenizer, list, maxPositions(this.model), (m) => this.note(m));
    const backend = modelBackend(this.model);
    const n = this.labels.length;
    const k = Math.min(opts.topK ?? n, n);
    const outputs: ClassificationLabel[][] = [];
    for (const batch of chunks(rows, this.options.batchSize)) {
      const padded = padBatch(batch, this.tokenizer.padTokenId ?? 0, backend);
      let logits: Tensor;
      const model = this.model;
      try {
        logits = tidy(() =>
          noGrad(() =>
            inEvalMode(model, () =>
              model instanceof GPT2ForSequenceClassification
                ? model.forward(padded.ids, { attentionMask: padded.attentionMask }).logits
                : model.forward(padded.ids, {
                    attentionMask: padded.attentionMask,
                    tokenTypeIds: padded.tokenTypeIds,
                  }).logits,
            ),
          ),
        ); // (B, labels)
      } finally {
        disposeBatch(padded);
      }
      let data: Float32Array;
      try {
        data = (await logits.data()) as Float32Array;
      } finally {
        logits.dispose();
      }
      for (let b = 0; b < batch.length; b++) {
        const scores = scoresOf(data.subarray(b * n, (b + 1) * n), how);
        const order = scores.map((_, i) => i).sort((x, y) => scores[y]! - scores[x]! || x - y);
        outputs.push(order.slice(0, k).map((i) => ({ label: this.labels[i]!, score: scores[i]! })));
      }
    }
    return single ? outputs[0]! : outputs;
  }
}

/** `text-classification` as a function with TextClassification's methods. */
export interface TextClassificationPipeline extends TextClassification {
  (input: TextInput, options?: TextClassificationOptions): Promise<ClassificationLabel[]>;
  (inputs: readonly TextInput[], options?: TextClassificationOptions): Promise<ClassificationLabel[][]>;
}

export function textClassificationPipeline(
  resolved: ResolvedModel,
  options: ResolvedPipelineOptions,
  task: TaskName = 'text-classification',
): TextClassificationPipeline {
  return callable<TextClassification, TextClassificationPipeline>(
    new TextClassification(resolved, options, task),
  );
}
