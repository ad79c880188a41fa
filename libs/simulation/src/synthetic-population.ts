/**
 * A synthetic population drawn from the BG/NBD and Gamma-Gamma processes themselves (CDNOW's
 * published parameters), for benchmarks of the population pass: the fit should recover them.
 * Seeded and deterministic.
 */
import type { SegmentInput } from '@crm/domain';

export const TRUE_BG_NBD = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
// Spend in cents: CDNOW's Gamma-Gamma with gamma scaled to minor units.
export const TRUE_GAMMA_GAMMA = { p: 6.25, q: 3.74, gamma: 1544 };
const LIFECYCLE = ['awareness', 'exploration', 'expansion', 'commitment', 'dissolution'];
const TRUST = ['calculus', 'knowledge', 'identification'];
const LOYALTY = ['cognition', 'acceptance', 'preference', 'loyalty'];
const CHURN = ['deliberate', 'unintentional', 'competitor', 'price', 'lost_eligibility', null];

/** mulberry32: small, fast, seeded. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(u: () => number): number {
  // Box–Muller; 1 − u() keeps the log finite.
  return Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** Gamma(shape, 1) by Marsaglia–Tsang, with the shape < 1 boost. */
function gamma(u: () => number, shape: number): number {
  if (shape < 1) return gamma(u, shape + 1) * Math.pow(1 - u(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(u);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const w = 1 - u();
    if (Math.log(w) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function syntheticPopulation(n: number, seed = 20260314): SegmentInput[] {
  const u = prng(seed);
  const out: SegmentInput[] = [];
  for (let i = 0; i < n; i++) {
    const lambda = gamma(u, TRUE_BG_NBD.r) / TRUE_BG_NBD.alpha;
    const ga = gamma(u, TRUE_BG_NBD.a);
    const p = ga / (ga + gamma(u, TRUE_BG_NBD.b));
    // Acquired over 52 weeks; T rounded to days like a real summary, so rows repeat.
    const T = Math.round((1 + u() * 51) * 7) / 7;
    let t = 0;
    let x = 0;
    let tx = 0;
    for (;;) {
      t += -Math.log(1 - u()) / lambda;
      if (!(t <= T)) break;
      x++;
      tx = Math.round(t * 7) / 7;
      if (u() < p) break;
    }
    const nu = gamma(u, TRUE_GAMMA_GAMMA.q) / TRUE_GAMMA_GAMMA.gamma;
    let spend = 0;
    for (let k = 0; k < x; k++) spend += Math.round(gamma(u, TRUE_GAMMA_GAMMA.p) / nu);
    const first = Math.round(gamma(u, TRUE_GAMMA_GAMMA.p) / nu);
    const zbar = x > 0 ? spend / x : 0;
    const lifecycleStage = LIFECYCLE[Math.floor(u() * LIFECYCLE.length)];
    out.push({
      customerId: `C-${String(i).padStart(7, '0')}`,
      x,
      tx,
      T,
      zbar,
      historicalValue: first + spend,
      // Value of the last 52 weeks is everything here: all customers are younger than a year.
      value365: first + spend,
      lifecycleStage,
      trustStage: TRUST[Math.floor(u() * TRUST.length)],
      loyaltyStage: LOYALTY[Math.floor(u() * LOYALTY.length)],
      churnReason: lifecycleStage === 'dissolution' ? CHURN[Math.floor(u() * CHURN.length)] : null,
    });
  }
  return out;
}

