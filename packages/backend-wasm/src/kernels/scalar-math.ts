// Scalar math for the kernels that run in JavaScript on the wasm memory's views (and
// for the SIMD kernels' tests): erf (JS has none), both GELU forms and their
// derivatives, round-half-to-even (PyTorch's rounding). The same formulas as the
// reference CPU backend, so the two agree to f32 rounding.

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_COEFF = 0.044715;

/** erfc by the Chebyshev fit of Numerical Recipes (fractional error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t *
                  (-0.18628806 +
                    t *
                      (0.27886807 +
                        t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  const r = t * Math.exp(-z * z + poly);
  return x >= 0 ? r : 2 - r;
}

/** erf: a Taylor series near 0 (keeps relative precision), 1 − erfc elsewhere. */
export function erf(x: number): number {
  if (Math.abs(x) < 0.5) {
    const x2 = x * x;
    return (
      1.1283791670955126 *
      x *
      (1 + x2 * (-1 / 3 + x2 * (1 / 10 + x2 * (-1 / 42 + x2 * (1 / 216 - x2 / 1320)))))
    );
  }
  return 1 - erfc(x);
}

export function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_COEFF * x * x * x)));
}

export function geluGrad(x: number): number {
  const t = Math.tanh(SQRT_2_OVER_PI * (x + GELU_COEFF * x * x * x));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_COEFF * x * x);
}

export function geluErf(x: number): number {
  return 0.5 * x * (1 + erf(x * INV_SQRT_2));
}

export function geluErfGrad(x: number): number {
  return 0.5 * (1 + erf(x * INV_SQRT_2)) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI;
}

export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
