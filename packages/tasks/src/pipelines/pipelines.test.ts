// The pipelines' behaviour beyond the reference values: padding never changes a text's
// vector, long inputs are cut with a note, bad models / inputs / options are TaskErrors with
// stable codes, dispose() frees exactly what the pipeline loaded, and text-generation's
// greedy continuation equals the hub-loader fixture's PyTorch reference, with stop strings
// and a multi-byte-safe stream.
import '@tensorlm/backend-cpu';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromPretrained } from '@tensorlm/hub-loader';
import { memory, setBackend } from '@tensorlm/tensor-core';
import { type Tokenizer, WordTokenizer } from '@tensorlm/tokenizers';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLASSIFIER, ENCODER, FIXTURES, MLM, worstDiff } from '../../test/pipeline-fixtures.js';
import { TaskError } from './errors.js';
import { pipeline } from './pipeline.js';

const GPT2 = join(FIXTURES, '..', '..', 'hub-loader', 'fixtures', 'gpt2-official-safetensors');

beforeAll(async () => {
  await setBackend('cpu');
});

async function taskError(promise: Promise<unknown>): Promise<TaskError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TaskError);
  return error as TaskError;
}

describe('feature-extraction', () => {
  it('a text gives the same vector alone and batched with a much longer one (mean, last, cls, none)', async () => {
    const embed = await pipeline('feature-extraction', ENCODER);
    const short = 'the dog saw a cat.';
    const long = 'i love this movie, it is very funny and not too long! the dog.';
    for (const pooling of ['mean', 'last', 'cls', 'none'] as const) {
      const alone = await embed(short, { pooling });
      const [batched, other] = await embed([short, long], { pooling });
      expect(worstDiff(batched, alone), pooling).toBeLessThan(1e-5);
      expect(worstDiff(other, await embed(long, { pooling })), pooling).toBeLessThan(1e-5);
    }
    embed.dispose();
  });

  it('normalize gives unit vectors; batchSize splits without changing them', async () => {
    const embed = await pipeline('feature-extraction', ENCODER, { batchSize: 1 });
    const texts = ['the dog saw a cat.', 'boring.', 'i love this movie!'];
    const vectors = (await embed(texts, { pooling: 'mean', normalize: true })) as number[][];
    for (const v of vectors) expect(Math.hypot(...v)).toBeCloseTo(1, 6);
    const whole = await pipeline('feature-extraction', ENCODER);
    expect(worstDiff(vectors, await whole(texts, { pooling: 'mean', normalize: true }))).toBeLessThan(1e-5);
    embed.dispose();
    whole.dispose();
  });

  it('a text longer than the model is truncated with a note, not a crash', async () => {
    const notes: string[] = [];
    const embed = await pipeline('feature-extraction', ENCODER, { onNote: (m) => notes.push(m) });
    const long = Array.from({ length: 60 }, () => 'the dog').join(' ');
    const [vector] = (await embed([long], { pooling: 'mean' })) as number[][];
    expect(vector).toHaveLength(32);
    expect(notes).toEqual([
      "input 0 has 122 tokens, more than the model's 24: it was truncated to the first 24",
    ]);
    embed.dispose();
  });
});

describe('bad models, inputs and options', () => {
  it('fill-mask on a GPT names the model and points at text-generation; nothing stays loaded', async () => {
    const before = memory().numTensors;
    const error = await taskError(pipeline('fill-mask', GPT2));
    expect(error.code).toBe('TASK_UNSUPPORTED_MODEL');
    expect(error.message).toContain('fill-mask needs a masked language model (BertForMaskedLM)');
    expect(error.message).toContain('is a GPT2LMHeadModel');
    expect(error.message).toContain('use text-generation');
    expect(memory().numTensors).toBe(before);
  });

  it('classification on a model without a classification head is refused by name', async () => {
    const error = await taskError(pipeline('text-classification', MLM));
    expect(error.code).toBe('TASK_UNSUPPORTED_MODEL');
    expect(error.message).toMatch(/needs a model with a classification head .* is a BertForMaskedLM/);
    const generation = await taskError(pipeline('text-generation', ENCODER));
    expect(generation.message).toContain('use fill-mask or feature-extraction');
  });

  it('an unknown task, a typo in an option', async () => {
    expect((await taskError(pipeline('summarization' as 'fill-mask', MLM))).code).toBe('TASK_UNKNOWN');
    const fill = await pipeline('fill-mask', MLM);
    const typo = await taskError(fill('a [MASK].', { top_k: 3 } as never));
    expect(typo.code).toBe('TASK_BAD_OPTIONS');
    expect(typo.message).toContain('top_k');
    expect((await taskError(fill('a [MASK].', { topK: 0 }))).message).toContain('topK');
    fill.dispose();
  });

  it('fill-mask without [MASK], an empty input, a [MASK] cut off by truncation', async () => {
    const notes: string[] = [];
    const fill = await pipeline('fill-mask', MLM, { onNote: (m) => notes.push(m) });
    const missing = await taskError(fill(['a [MASK].', 'hello i am a model.']));
    expect(missing.code).toBe('TASK_BAD_INPUT');
    expect(missing.message).toBe("input 1 has no [MASK] token to fill: 'hello i am a model.'");
    expect((await taskError(fill('   '))).message).toBe('input 0 is empty');
    const cut = await taskError(fill(`${'the dog '.repeat(20)}[MASK].`));
    expect(cut.message).toBe("input 0: its [MASK] lies past the model's 24 positions");
    expect(notes).toHaveLength(1);
    // A long text whose mask survives the cut still answers.
    expect(await fill(`a [MASK] ${'the dog '.repeat(20)}`)).toHaveLength(5);
    fill.dispose();
  });

  it('classification of a long text is truncated with a note and still answers', async () => {
    const notes: string[] = [];
    const classify = await pipeline('sentiment-analysis', CLASSIFIER, { onNote: (m) => notes.push(m) });
    const [top] = await classify('i love this movie! '.repeat(10));
    expect(['negative', 'neutral', 'positive']).toContain(top!.label);
    expect(notes[0]).toMatch(/^input 0 has \d+ tokens, more than the model's 24/);
    expect(await classify([])).toEqual([]);
    classify.dispose();
  });
});

describe('dispose', () => {
  it('frees the weights it loaded, and every call leaves no tensor behind', async () => {
    const before = memory().numTensors;
    const fill = await pipeline('fill-mask', MLM);
    const loaded = memory().numTensors;
    expect(loaded).toBeGreaterThan(before);
    await fill(['a [MASK].', 'the [MASK] saw a [MASK].']);
    expect(memory().numTensors).toBe(loaded);
    fill.dispose();
    expect(memory().numTensors).toBe(before);
    expect((await taskError(fill('a [MASK].'))).code).toBe('TASK_DISPOSED');
    // The backend keeps working for the next pipeline.
    const again = await pipeline('fill-mask', MLM);
    expect(await again('a [MASK].')).toHaveLength(5);
    again.dispose();
  });

  it('leaves a model handed in to its owner', async () => {
    const loaded = await fromPretrained(CLASSIFIER);
    const classify = await pipeline('text-classification', loaded);
    const first = await classify('i love this movie!');
    classify.dispose();
    const again = await pipeline('text-classification', loaded);
    expect(await again('i love this movie!')).toEqual(first);
    again.dispose();
    loaded.model.dispose();
  });
});

/** The 80 ids of the GPT-2 fixture as words w0 … w79. */
function wordTokenizer(): Tokenizer {
  return WordTokenizer.fromVocab(Array.from({ length: 80 }, (_, i) => `w${i}`));
}

/**
 * A byte tokenizer for the GPT-2 fixture: most ids are one ASCII character, but the
 * reference's greedy continuation emits 73, 67 ("é" = C3 A9) and 62, 68, 54 ("€" = E2 82 AC),
 * characters whose bytes arrive in separate tokens.
 */
function byteTokenizer(): Tokenizer {
  const multi: Record<number, number> = { 73: 0xc3, 67: 0xa9, 62: 0xe2, 68: 0x82, 54: 0xac };
  const byteOf = (id: number) => multi[id] ?? 40 + id;
  const decoder = new TextDecoder();
  return {
    kind: 'test-bytes',
    vocabSize: 80,
    specialTokens: {},
    eosTokenId: undefined,
    padTokenId: undefined,
    maskTokenId: undefined,
    encode: (text: string) => [...text].map((c) => c.charCodeAt(0) - 40),
    decode: (ids: ArrayLike<number>) => decoder.decode(new Uint8Array(Array.from(ids, byteOf))),
    isSpecialId: () => false,
  } as unknown as Tokenizer;
}

describe('text-generation', () => {
  const reference = async () =>
    JSON.parse(await readFile(join(GPT2, 'expected.json'), 'utf8')) as {
      input_ids: number[][];
      greedy: { new_tokens: number[] };
    };

  it('greedy: the continuation of the independent reference, with and without the prompt', async () => {
    const { input_ids, greedy } = await reference();
    const loaded = await fromPretrained(GPT2);
    const generate = await pipeline('text-generation', { ...loaded, tokenizer: wordTokenizer() });
    const prompt = input_ids[0]!.map((id) => `w${id}`).join(' ');
    const [full] = await generate(prompt, { maxNewTokens: 20 });
    expect(full!.generatedText).toBe(`${prompt} ${greedy.new_tokens.map((id) => `w${id}`).join(' ')}`);
    expect(full!.finishReason).toBe('length');
    const [only] = await generate(prompt, { maxNewTokens: 20, returnFullText: false });
    expect(only!.generatedText).toBe(` ${greedy.new_tokens.map((id) => `w${id}`).join(' ')}`);
    // A batch of prompts of different lengths: each row as it is alone.
    const [a, b] = await generate([prompt, 'w3 w17'], { maxNewTokens: 5 });
    expect(a![0]!.generatedText).toBe(
      `${prompt} ${greedy.new_tokens
        .slice(0, 5)
        .map((id) => `w${id}`)
        .join(' ')}`,
    );
    expect(b![0]!.generatedText).toBe((await generate('w3 w17', { maxNewTokens: 5 }))[0]!.generatedText);
    generate.dispose();
    loaded.model.dispose();
  });

  it('a stop string ends the text before it; sampling with a seed repeats; n sequences per prompt', async () => {
    const { input_ids, greedy } = await reference();
    const loaded = await fromPretrained(GPT2);
    const generate = await pipeline('text-generation', { ...loaded, tokenizer: wordTokenizer() });
    const prompt = input_ids[0]!.map((id) => `w${id}`).join(' ');
    const [stopped] = await generate(prompt, {
      maxNewTokens: 20,
      stop: ` w${greedy.new_tokens[3]}`,
      returnFullText: false,
    });
    expect(stopped).toEqual({
      generatedText: ` ${greedy.new_tokens
        .slice(0, 3)
        .map((id) => `w${id}`)
        .join(' ')}`,
      finishReason: 'stop',
    });
    const sampled = {
      maxNewTokens: 8,
      doSample: true,
      temperature: 0.9,
      topK: 20,
      repetitionPenalty: 1.3,
      seed: 7,
      numReturnSequences: 3,
    };
    const first = await generate(prompt, sampled);
    expect(first).toHaveLength(3);
    expect(await generate(prompt, sampled)).toEqual(first);
    generate.dispose();
    loaded.model.dispose();
  });

  it('takes its defaults from generation_config.json; a model folder without a tokenizer is refused', async () => {
    const { input_ids, greedy } = await reference();
    const loaded = await fromPretrained(GPT2);
    const generate = await pipeline('text-generation', {
      ...loaded,
      tokenizer: wordTokenizer(),
      generationConfig: { max_new_tokens: 3 },
    });
    const prompt = input_ids[0]!.map((id) => `w${id}`).join(' ');
    const [out] = await generate(prompt, { returnFullText: false });
    expect(out!.generatedText).toBe(
      ` ${greedy.new_tokens
        .slice(0, 3)
        .map((id) => `w${id}`)
        .join(' ')}`,
    );
    expect((await taskError(generate(''))).message).toBe('input 0 is empty');
    generate.dispose();
    loaded.model.dispose();
    const bare = await taskError(pipeline('text-generation', GPT2));
    expect(bare.code).toBe('TASK_UNSUPPORTED_MODEL');
    expect(bare.message).toContain('text-generation needs a tokenizer');
  });

  it('streams whole characters only: a character split across tokens comes out once complete', async () => {
    const { input_ids, greedy } = await reference();
    const loaded = await fromPretrained(GPT2);
    const generate = await pipeline('text-generation', { ...loaded, tokenizer: byteTokenizer() });
    const prompt = input_ids[0]!.map((id) => String.fromCharCode(40 + id)).join('');
    const pieces: string[] = [];
    for await (const piece of generate.stream(prompt, { maxNewTokens: 8 })) pieces.push(piece);
    const expected = new TextDecoder().decode(
      new Uint8Array(
        greedy.new_tokens
          .slice(0, 8)
          .map((id) => ({ 73: 0xc3, 67: 0xa9, 62: 0xe2, 68: 0x82, 54: 0xac })[id] ?? 40 + id),
      ),
    );
    expect(expected).toContain('é');
    expect(expected).toContain('€');
    expect(pieces.join('')).toBe(expected);
    for (const piece of pieces) expect(piece).not.toContain('\uFFFD');
    expect(pieces).toContain('é');
    expect(pieces).toContain('€');
    generate.dispose();
    loaded.model.dispose();
  });
});
