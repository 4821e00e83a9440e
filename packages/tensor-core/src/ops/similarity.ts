// Cosine similarity along an axis, with broadcasting (torch.nn.functional.cosine_similarity).
import type { Tensor } from '../tensor/tensor.js';
import { div, maximum, mul, sqrt } from './elementwise.js';
import { sum } from './reduce.js';

/** (a·b) / max(‖a‖·‖b‖, eps) along `axis`. */
export function cosineSimilarity(a: Tensor, b: Tensor, axis = -1, eps = 1e-8): Tensor {
  const dot = sum(mul(a, b), axis);
  const norms = mul(sqrt(sum(mul(a, a), axis)), sqrt(sum(mul(b, b), axis)));
  return div(dot, maximum(norms, eps));
}
