/**
 * Present value of an expected purchase stream under continuous discounting, for the CLV
 * forward estimate (docs/relationship-model.md §4: lifetime values discounted to present value).
 */

/** Gauss–Legendre nodes and weights on [−1, 1] (Newton on the Legendre recurrence, ~1e-15). */
export function gaussLegendre(n: number): { nodes: number[]; weights: number[] } {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`gaussLegendre: n must be a positive integer, got ${n}`);
  const nodes = new Array<number>(n);
  const weights = new Array<number>(n);
  // Numerical Recipes' gauleg: the roots are symmetric, so find the half with x > 0.
  for (let i = 0; i < Math.ceil(n / 2); i++) {
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let derivative = 1;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p1 = 1;
      let p2 = 0;
      for (let j = 1; j <= n; j++) {
        const p3 = p2;
        p2 = p1;
        p1 = ((2 * j - 1) * x * p2 - (j - 1) * p3) / j;
      }
      derivative = (n * (x * p1 - p2)) / (x * x - 1);
      const previous = x;
      x = previous - p1 / derivative;
      if (Math.abs(x - previous) <= 1e-15) break;
    }
    const w = 2 / ((1 - x * x) * derivative * derivative);
    nodes[i] = -x;
    nodes[n - 1 - i] = x;
    weights[i] = w;
    weights[n - 1 - i] = w;
  }
  return { nodes, weights };
}

const DEFAULT_NODES = 12;
const RULES = new Map<number, { nodes: number[]; weights: number[] }>();
function rule(n: number) {
  let r = RULES.get(n);
  if (!r) RULES.set(n, (r = gaussLegendre(n)));
  return r;
}

export interface DiscountedFlowOptions {
  /** Gauss–Legendre nodes. @defaultValue 12 */
  nodes?: number;
}

/**
 * PV = ∫₀ᴴ e^(−ρt) dE(t): the expected purchases E(t) of the next t time units, each purchase
 * discounted continuously at rate ρ per time unit from the moment it happens (ρ = ln(1 + d) ×
 * timeUnitDays / 365 for an annual rate d). By parts, with E(0) = 0:
 *
 *   PV = e^(−ρH)·E(H) + ρ ∫₀ᴴ e^(−ρt)·E(t) dt.
 *
 * The integral is Gauss–Legendre in s = ln(1 + t/c), where c is E's own time scale (α + T for
 * BG/NBD): BG/NBD's E is a power of c/(c + t) times a 2F1 in t/(c + t), smooth in s, so a
 * handful of nodes suffice even when c is much shorter than the horizon (in t the nearby
 * singularity at t = −c would slow the rule down). With the CDNOW parameters over 3 years,
 * 8 to 24 nodes all agree with a 40,000-slice Stieltjes sum to ~1e-10 relative. `E` is called
 * `nodes` + 1 times; the last call is E(H), returned as `undiscounted`.
 */
export function discountedFlow(
  E: (t: number) => number,
  horizon: number,
  ratePerUnit: number,
  scale: number,
  options: DiscountedFlowOptions = {},
): { discounted: number; undiscounted: number } {
  if (!(horizon > 0)) return { discounted: 0, undiscounted: 0 };
  const total = E(horizon);
  if (!(ratePerUnit > 0)) return { discounted: total, undiscounted: total };
  const c = scale > 0 && Number.isFinite(scale) ? scale : horizon;
  const sMax = Math.log1p(horizon / c);
  const { nodes, weights } = rule(options.nodes ?? DEFAULT_NODES);
  let integral = 0;
  for (let i = 0; i < nodes.length; i++) {
    const s = 0.5 * sMax * (nodes[i] + 1);
    const t = c * Math.expm1(s);
    // dt = c·e^s ds
    integral += weights[i] * Math.exp(-ratePerUnit * t) * E(t) * c * Math.exp(s);
  }
  integral *= 0.5 * sMax;
  return { discounted: Math.exp(-ratePerUnit * horizon) * total + ratePerUnit * integral, undiscounted: total };
}

/**
 * Mean discount factor of an even flow over H years at annual rate d, continuously:
 * (1 − (1+d)^−H) / (H · ln(1+d)); 1 without discounting.
 */
export function evenFlowDiscountFactor(annualRate: number, years: number): number {
  if (!(annualRate > 0) || !(years > 0)) return 1;
  const delta = Math.log1p(annualRate);
  return -Math.expm1(-delta * years) / (years * delta);
}
