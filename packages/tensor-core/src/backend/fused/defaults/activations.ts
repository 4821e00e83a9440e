// Default GELU forward and the activation gradients, composed from element-wise
// primitives with the same formulas the built-in backends fuse (backend-cpu's math.ts):
//   gelu(x)    = ½x·(1 + tanh(√(2/π)·(x + 0.044715x³)))
//   geluErf(x) = ½x·(1 + erf(x/√2))
import type {
  ActivationGradOp,
  ActivationOp,
  BackendPrimitives,
  KernelTensor,
  Storage,
} from '../../backend.js';
import { type Composer, composeKernel } from '../compose.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_COEFF = 0.044715;

/** tanh(√(2/π)·(x + 0.044715x³)), shared by the tanh-GELU and its gradient. */
function geluTanhInner(k: Composer, x: KernelTensor): KernelTensor {
  const cube = k.mul(k.mul(x, x), x);
  return k.unary('tanh', k.mul(k.add(x, k.mul(cube, GELU_COEFF)), SQRT_2_OVER_PI));
}

/** ½(1 + erf(x/√2)): the normal CDF Φ(x). */
function normalCdf(k: Composer, x: KernelTensor): KernelTensor {
  return k.mul(k.add(k.unary('erf', k.mul(x, Math.SQRT1_2)), 1), 0.5);
}

export function activationDefault(backend: BackendPrimitives, op: ActivationOp, x: KernelTensor): Storage {
  return composeKernel(backend, (k) => {
    if (op === 'gelu') return k.keep(k.mul(k.mul(x, 0.5), k.add(geluTanhInner(k, x), 1)));
    return k.keep(k.mul(x, normalCdf(k, x)));
  });
}

export function activationGradDefault(
  backend: BackendPrimitives,
  op: ActivationGradOp,
  input: KernelTensor,
  dy: KernelTensor,
): Storage {
  return composeKernel(backend, (k) => {
    const x = input;
    switch (op) {
      case 'reluGrad':
        return k.keep(k.where(k.binary('gt', x, 0), dy, 0));
      case 'tanhGrad': // input is y = tanh(x): dy·(1 − y²)
        return k.keep(k.mul(dy, k.sub(1, k.mul(x, x))));
      case 'sigmoidGrad': // input is y = σ(x): dy·y·(1 − y)
        return k.keep(k.mul(k.mul(dy, x), k.sub(1, x)));
      case 'geluGrad': {
        // ½(1 + t) + ½x(1 − t²)·√(2/π)(1 + 3·0.044715x²)
        const t = geluTanhInner(k, x);
        const left = k.mul(k.add(t, 1), 0.5);
        const slope = k.mul(k.add(k.mul(k.mul(x, x), 3 * GELU_COEFF), 1), SQRT_2_OVER_PI);
        const right = k.mul(k.mul(k.mul(x, 0.5), k.sub(1, k.mul(t, t))), slope);
        return k.keep(k.mul(k.add(left, right), dy));
      }
      case 'geluErfGrad': {
        // Φ(x) + x·φ(x)
        const density = k.mul(k.unary('exp', k.mul(k.mul(x, x), -0.5)), INV_SQRT_2PI);
        return k.keep(k.mul(k.add(normalCdf(k, x), k.mul(x, density)), dy));
      }
    }
  });
}
