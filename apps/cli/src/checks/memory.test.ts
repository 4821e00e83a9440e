import { describe, expect, it } from 'vitest';
import { CommandFailure } from '../errors.js';
import {
  checkTrainingMemory,
  estimateTrainingMemory,
  formatBytes,
  GPU_MEMORY_ENV,
  gptParameterCount,
  type MemoryTarget,
  type SystemMemory,
} from './memory.js';

const GPT2 = { vocabSize: 50257, blockSize: 1024, nEmbd: 768, nLayer: 12, nHead: 12 };
const GPT2_XL = { vocabSize: 50257, blockSize: 1024, nEmbd: 1600, nLayer: 48, nHead: 25 };
const CPU: MemoryTarget = { capabilities: { hostMemory: true } };
const GB = 1e9;
const machine = (total: number, available = total): SystemMemory => ({
  totalBytes: total * GB,
  availableBytes: available * GB,
  constrained: false,
});

describe('gptParameterCount', () => {
  it("gives GPT-2's published sizes", () => {
    expect(gptParameterCount(GPT2)).toBe(124_439_808);
    expect(gptParameterCount({ ...GPT2, nEmbd: 1024, nLayer: 24, nHead: 16 })).toBe(354_823_168);
    expect(gptParameterCount(GPT2_XL)).toBe(1_557_611_200);
    // An untied head adds V·C; no Q/K/V biases removes 3·C per layer (nn's gpt.test.ts figure).
    expect(gptParameterCount({ ...GPT2, tieWordEmbeddings: false, qkvBias: false })).toBe(163_009_536);
  });

  it("gives the seed's mini GPT the count inspect prints", () => {
    expect(gptParameterCount({ vocabSize: 39, blockSize: 128, nEmbd: 64, nLayer: 3, nHead: 8 })).toBe(
      160_768,
    );
  });
});

describe('estimateTrainingMemory', () => {
  it('matches the documented formula on a config small enough to count by hand', () => {
    // V 10, blockSize 8, C 4, F 16, H 2, L 1; batch 2 × context 8.
    // Parameters: wte 40 + wpe 32 + block (ln 8, c_attn 48+12, c_proj 16+4, ln 8,
    //   c_fc 64+16, c_proj 64+4 = 244) + ln_f 8 = 324 → training state 4·324 = 1,296 floats.
    // BTC 64, BTF 256, BHT² 256. Per layer: 21·64 + 2·256 + 6·256 = 3,392, for L + 1 = 2
    // layers: 6,784. Embeddings and ln_f: 5·BTC = 320. Logits: 3·BTV = 480.
    // Total 1,296 + 6,784 + 320 + 480 = 8,880 floats = 35,520 bytes.
    const estimate = estimateTrainingMemory({
      config: { vocabSize: 10, blockSize: 8, nEmbd: 4, nLayer: 1, nHead: 2 },
      batchSize: 2,
      context: 8,
    });
    expect(estimate.parameters).toBe(324);
    expect(estimate.bytes).toEqual({
      trainingState: 5_184,
      activations: 27_136,
      embeddings: 1_280,
      logits: 1_920,
      total: 35_520,
    });
  });

  it('counts 16 bytes per parameter for the weights, gradients and both AdamW moments', () => {
    const { bytes } = estimateTrainingMemory({ config: GPT2, batchSize: 1, context: 1 });
    expect(bytes.trainingState).toBe(16 * 124_439_808);
  });

  it('grows linearly in the batch and quadratically in the context (attention)', () => {
    const at = (batchSize: number, context: number) =>
      estimateTrainingMemory({ config: GPT2, batchSize, context }).bytes.activations;
    expect(at(8, 256)).toBe(2 * at(4, 256));
    // Doubling T doubles the B·T·C terms and quadruples the B·H·T² term.
    const linear = 21 * 768 + 2 * 3072; // per token
    const quadratic = 6 * 12; // per token pair
    expect(at(1, 512) - 2 * at(1, 256)).toBe(13 * 4 * quadratic * (512 * 512 - 2 * 256 * 256));
    expect(at(1, 1)).toBe(13 * 4 * (linear + quadratic));
  });
});

describe('checkTrainingMemory', () => {
  const warnings: string[] = [];
  const check = (overrides: Partial<Parameters<typeof checkTrainingMemory>[0]>) =>
    checkTrainingMemory({
      model: 'gpt2-xl',
      config: GPT2_XL,
      batchSize: 8,
      context: 256,
      backend: CPU,
      warn: (line) => warnings.push(line),
      system: machine(32),
      ...overrides,
    });

  it('refuses a model that cannot fit, with the figure and the machine', () => {
    const total = estimateTrainingMemory({ config: GPT2_XL, batchSize: 8, context: 256 }).bytes.total;
    // By hand: 4·1,557,611,200 + 49·(21·3,276,800 + 2·13,107,200 + 6·13,107,200)
    //   + 5·3,276,800 + 3·102,926,336 = 15,065,457,408 floats = 60.26 GB.
    expect(total).toBe(15_065_457_408 * 4);
    expect(formatBytes(total)).toBe('60.3 GB');
    expect(() => check({ system: machine(23.4) })).toThrow(
      new CommandFailure(
        'CLI_MODEL_TOO_LARGE',
        'gpt2-xl at batch 8 × 256 needs about 60.3 GB for training; this machine has 23.4 GB; use a smaller --config, --batch-size or --context',
      ),
    );
  });

  it('warns when it fits the machine but not what is free now, and is silent when it fits', () => {
    warnings.length = 0;
    check({ system: machine(128, 40) });
    expect(warnings).toEqual([
      'warning: gpt2-xl at batch 8 × 256 needs about 60.3 GB for training and only 40.0 GB is free now; it may swap or be stopped by the system',
    ]);
    warnings.length = 0;
    check({ model: 'gpt2', config: GPT2, system: machine(128, 100) });
    expect(warnings).toEqual([]);
  });

  it("counts a software adapter's memory as the host's", () => {
    // As the WebGPU backend declares Mesa's llvmpipe: host memory, 2 GiB buffers.
    const llvmpipe: MemoryTarget = { capabilities: { hostMemory: true, maxStorageBytes: 2 ** 31 } };
    expect(() => check({ backend: llvmpipe, system: machine(16) })).toThrow(/this machine has 16\.0 GB/);
  });

  it("refuses a training over a backend's total limit (wasm's 4 GiB) on a machine with room to spare", () => {
    // As backend-wasm declares its one linear memory.
    const wasm: MemoryTarget = {
      name: 'wasm',
      capabilities: { hostMemory: true, maxStorageBytes: 2 ** 32, maxTotalBytes: 2 ** 32 },
    };
    // GPT-2 at 4 × 256. By hand: 4·124,439,808 + 13·(21·786,432 + 2·3,145,728 + 6·3,145,728)
    //   + 5·786,432 + 3·51,463,168 = 1,197,932,544 floats = 4.79 GB, over 2^32 = 4.29 GB,
    //   though every single tensor (the logits: 206 MB) is far under it.
    const total = estimateTrainingMemory({ config: GPT2, batchSize: 4, context: 256 }).bytes.total;
    expect(total).toBe(1_197_932_544 * 4);
    expect(() =>
      check({ model: 'gpt2', config: GPT2, batchSize: 4, context: 256, backend: wasm, system: machine(128) }),
    ).toThrow(
      new CommandFailure(
        'CLI_MODEL_TOO_LARGE',
        'gpt2 at batch 4 × 256 needs about 4.8 GB for training, more than the wasm backend can hold in all ' +
          '(4.3 GB (4 GiB), whatever this machine has); use a smaller --config, --batch-size or --context, or another --backend',
      ),
    );
    // The same run on a backend without that limit, on the same machine, passes quietly.
    warnings.length = 0;
    check({ model: 'gpt2', config: GPT2, batchSize: 4, context: 256, backend: CPU, system: machine(128) });
    expect(warnings).toEqual([]);
    // Batch 2: 4·124,439,808 + 13·(21·393,216 + 2·1,572,864 + 6·1,572,864) + 5·393,216
    //   + 3·25,731,584 = 847,845,888 floats = 3.39 GB: under 4.29 GB but over 4.29 / 1.3 = 3.30 GB.
    warnings.length = 0;
    check({ model: 'gpt2', config: GPT2, batchSize: 2, context: 256, backend: wasm, system: machine(128) });
    expect(warnings).toEqual([
      'warning: gpt2 at batch 2 × 256 needs about 3.4 GB for training, close to the most the wasm backend can hold in all (4.3 GB (4 GiB)); it may run out of memory part-way',
    ]);
    // Batch 1 at 128: 2.28 GB, well inside: no warning.
    warnings.length = 0;
    check({ model: 'gpt2', config: GPT2, batchSize: 1, context: 128, backend: wasm, system: machine(128) });
    expect(warnings).toEqual([]);
  });

  it('on a GPU of unknown size refuses only a tensor over maxBufferSize, and warns above 8 GB', () => {
    const gpu: MemoryTarget = { capabilities: { hostMemory: false, maxStorageBytes: 2 ** 31 } };
    warnings.length = 0;
    check({ backend: gpu, system: machine(1), env: {} });
    expect(warnings).toEqual([
      `warning: gpt2-xl at batch 8 × 256 needs about 60.3 GB of GPU memory for training; WebGPU cannot say how much the GPU has (set ${GPU_MEMORY_ENV} to check it before training)`,
    ]);
    expect(() => check({ backend: gpu, env: { [GPU_MEMORY_ENV]: '24' } })).toThrow(
      /needs about 60\.3 GB for training; the GPU has 24 GB/,
    );
    // Logits of 64 × 1024 × 50257 floats: 13.2 GB in one buffer.
    expect(() => check({ backend: gpu, batchSize: 64, context: 1024, env: {} })).toThrow(
      /the logits \(64 × 1024 × 50257\) would be one buffer of 13\.2 GB, more than the largest this device allows \(2\.1 GB\)/,
    );
  });
});
