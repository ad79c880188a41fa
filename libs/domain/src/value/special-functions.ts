/**
 * Special functions the buy-till-you-die models need, written here so the domain has no
 * numeric dependency: log-gamma (Lanczos), the Gauss hypergeometric series 2F1 and a
 * stable log-sum-exp.
 */

// Lanczos approximation, g = 7, n = 9 (Numerical Recipes / Boost coefficients): ~1e-15 relative.
const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for real x > 0 (reflection below 0.5 keeps the Lanczos sum accurate). */
export function lnGamma(x: number): number {
  if (!(x > 0)) {
    if (Number.isInteger(x)) return Infinity;
    // Γ(x)Γ(1−x) = π / sin(πx); only |Γ| is meaningful on a log scale.
    return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - lnGamma(1 - x);
  }
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_G + 2; i++) sum += LANCZOS_COEFFICIENTS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). */
export function lnBeta(a: number, b: number): number {
  return lnGamma(a) + lnGamma(b) - lnGamma(a + b);
}

/** ln(e^u + e^v) without overflow. */
export function logAddExp(u: number, v: number): number {
  if (u === -Infinity) return v;
  if (v === -Infinity) return u;
  const m = u > v ? u : v;
  return m + Math.log(Math.exp(u - m) + Math.exp(v - m));
}

export interface Hyp2f1Options {
  /** Relative size of the last term at which the series stops. @defaultValue 1e-15 */
  tolerance?: number;
  /** Hard cap on terms; the series converges like z^k, so z close to 1 needs many. @defaultValue 1_000_000 */
  maxTerms?: number;
}

/**
 * Gauss hypergeometric function 2F1(a, b; c; z) by its power series, for 0 ≤ z < 1 (the only
 * range BG/NBD uses: z = t / (α + t)). Throws when the series cannot be summed, so a caller
 * never gets a silently wrong expectation.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, options: Hyp2f1Options = {}): number {
  const tolerance = options.tolerance ?? 1e-15;
  const maxTerms = options.maxTerms ?? 1_000_000;
  if (!(z >= 0 && z < 1)) throw new RangeError(`hyp2f1: z must be in [0, 1), got ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1: c must not be a non-positive integer, got ${c}`);
  let term = 1;
  let sum = 1;
  for (let k = 0; k < maxTerms; k++) {
    term *= ((a + k) * (b + k) * z) / ((c + k) * (k + 1));
    sum += term;
    // Terms can change sign only while k < −c; past that they keep one sign and shrink geometrically.
    if (Math.abs(term) <= tolerance * Math.abs(sum) && k + 1 > -c) return sum;
    if (term === 0) return sum;
  }
  throw new RangeError(`hyp2f1: no convergence in ${maxTerms} terms (a=${a}, b=${b}, c=${c}, z=${z})`);
}
