// `tensorlm demo`: the quick start's main job for now. Builds a tensor program — a
// two-layer MLP — and trains it with plain SGD on a seeded toy problem (is a 2-D point
// inside the unit circle?), printing the loss as it falls and the final accuracy.
import '@tensorlm/backend-cpu';
import {
  argmax,
  assign,
  crossEntropy,
  equal,
  getBackend,
  linear,
  manualSeed,
  mean,
  mul,
  noGrad,
  rand,
  randn,
  setBackend,
  sub,
  sum,
  type Tensor,
  tanh,
  tidy,
  zeros,
} from '@tensorlm/tensor-core';
import { z } from 'zod';
import { UsageError } from '../args.js';
import { chooseBackend } from '../backend.js';
import { defineCommand } from '../command.js';

export const demoOptions = z.object({
  steps: z.coerce.number().int().positive().max(100_000).default(300),
  lr: z.coerce.number().positive().default(0.5),
  hidden: z.coerce.number().int().positive().max(4096).default(32),
  samples: z.coerce.number().int().positive().max(1_000_000).default(512),
  seed: z.coerce.number().int().nonnegative().default(0),
  backend: z.string().default('cpu'),
});

export type DemoOptions = z.infer<typeof demoOptions>;

export const demoHelp = `tensorlm demo — train a small MLP on a toy problem and print the loss falling

Options:
  --steps N      SGD steps (default 300)
  --lr X         learning rate (default 0.5)
  --hidden N     hidden units (default 32)
  --samples N    training points (default 512)
  --seed N       random seed (default 0)
  --backend B    backend to run on (default cpu)`;

export interface DemoResult {
  losses: number[];
  accuracy: number;
}

export async function runDemo(
  options: DemoOptions,
  log: (line: string) => void = console.log,
): Promise<DemoResult> {
  await setBackend(options.backend);
  const info = getBackend().describe();
  log(`backend: ${info.name} — ${info.device}`);
  return trainDemo(options, log);
}

/** The demo on the current backend. */
async function trainDemo(options: DemoOptions, log: (line: string) => void): Promise<DemoResult> {
  manualSeed(options.seed);

  // Data: points uniform in [-1.5, 1.5)², label 1 inside the unit circle.
  const points = rand([options.samples, 2], { low: -1.5, high: 1.5 });
  const labels = noGrad(() => {
    const radius = sum(mul(points, points), 1);
    return sub(1, radius).greater(0).cast('i32');
  });

  // Model: 2 → hidden → 2, tanh in between; init scaled by 1/√fan_in.
  const w1 = mul(randn([options.hidden, 2]), 1 / Math.sqrt(2)).requireGrad();
  const b1 = zeros([options.hidden], { requiresGrad: true });
  const w2 = mul(randn([2, options.hidden]), 1 / Math.sqrt(options.hidden)).requireGrad();
  const b2 = zeros([2], { requiresGrad: true });
  const parameters = [w1, b1, w2, b2];
  const forward = (x: Tensor) => linear(tanh(linear(x, w1, b1)), w2, b2);

  const losses: number[] = [];
  const every = Math.max(1, Math.floor(options.steps / 10));
  for (let step = 1; step <= options.steps; step++) {
    const loss = tidy(() => {
      const loss = crossEntropy(forward(points), labels);
      loss.backward();
      noGrad(() => {
        for (const p of parameters) {
          assign(p, sub(p, mul(p.grad!, options.lr)));
          p.grad!.dispose();
          p.grad = null;
        }
      });
      return loss.detach();
    });
    if (step === 1 || step % every === 0 || step === options.steps) {
      const value = await loss.item();
      losses.push(value);
      log(`step ${String(step).padStart(5)}  loss ${value.toFixed(4)}`);
    }
    loss.dispose();
  }

  const hits = tidy(() => mean(equal(argmax(forward(points), 1), labels).cast('f32')));
  const accuracy = await hits.item();
  hits.dispose();
  log(`accuracy on the training points: ${(accuracy * 100).toFixed(1)}%`);
  for (const t of [...parameters, points, labels]) t.dispose();
  return { losses, accuracy };
}

export const demoCommand = defineCommand({
  name: 'demo',
  summary: 'train a small MLP on a toy problem and print the loss falling',
  help: demoHelp,
  options: demoOptions,
  async run(options, positional, io) {
    if (positional.length > 0) throw new UsageError(`unexpected '${positional.join(' ')}'`);
    await chooseBackend(options.backend, io);
    return trainDemo(options, (line) => io.out(line));
  },
});
