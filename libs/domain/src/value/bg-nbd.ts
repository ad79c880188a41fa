/**
 * BG/NBD ("beta-geometric / negative binomial") model of repeat purchasing,
 * Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way", Marketing Science 24(2).
 *
 * While alive, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each
 * purchase they drop out with probability p ~ Beta(a, b). A customer is summarised by
 * (x, t_x, T): repeat purchases, time of the last one and age, all since the first purchase.
 */
import { hyp2f1, lnBeta, lnGamma, logAddExp } from './special-functions';
import { nelderMead, NelderMeadOptions } from './nelder-mead';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** One customer (or `weight` identical customers). Times in one unit (e.g. weeks). */
export interface BgNbdSummary {
  /** Repeat purchases (purchases after the first), an integer ≥ 0. */
  x: number;
  /** Time of the last purchase since the first; 0 when x = 0. */
  tx: number;
  /** Time from the first purchase to the end of observation. */
  T: number;
  /** Number of customers with exactly this summary. @defaultValue 1 */
  weight?: number;
}

export interface BgNbdFitOptions extends NelderMeadOptions {
  /** Start point; default r = 1, alpha = mean T (sets the time scale), a = 1, b = 1. */
  start?: BgNbdParams;
}

export interface BgNbdFit {
  params: BgNbdParams;
  /** Total log-likelihood of the data at `params` (weights included). */
  logLikelihood: number;
  converged: boolean;
  evaluations: number;
  /** Distinct (x, t_x, T) rows the likelihood was evaluated over. */
  distinctSummaries: number;
  /**
   * The optimum lies at the edge of the search box (a parameter beyond e^±16 of its scale):
   * the data do not identify the model (typical of tiny or degenerate populations). Such a fit
   * must not be used for forecasts.
   */
  atBoundary: boolean;
}

/** Search box in log space, relative to each parameter's scale; see `atBoundary`. */
export const LOG_PARAMETER_BOUND = 18;
export const LOG_PARAMETER_BOUNDARY = 16;

interface Grouped {
  x: Int32Array;
  tx: Float64Array;
  T: Float64Array;
  w: Float64Array;
  maxX: number;
  total: number;
}

export function validateSummary(s: BgNbdSummary): void {
  const ok =
    Number.isInteger(s.x) && s.x >= 0 && Number.isFinite(s.tx) && Number.isFinite(s.T) &&
    s.tx >= 0 && s.T >= s.tx && (s.x > 0 || s.tx === 0) && (s.weight === undefined || (Number.isFinite(s.weight) && s.weight >= 0));
  if (!ok) throw new RangeError(`BG/NBD summary is invalid: ${JSON.stringify(s)} (need integer x ≥ 0, 0 ≤ t_x ≤ T, t_x = 0 when x = 0)`);
}

/** Collapse identical (x, t_x, T) rows into weights: real populations repeat a lot of them. */
function group(summaries: readonly BgNbdSummary[]): Grouped {
  const index = new Map<string, number>();
  const xs: number[] = [];
  const txs: number[] = [];
  const Ts: number[] = [];
  const ws: number[] = [];
  for (const s of summaries) {
    validateSummary(s);
    const w = s.weight ?? 1;
    if (w === 0) continue;
    const key = `${s.x}|${s.tx}|${s.T}`;
    const i = index.get(key);
    if (i === undefined) {
      index.set(key, xs.length);
      xs.push(s.x);
      txs.push(s.tx);
      Ts.push(s.T);
      ws.push(w);
    } else ws[i] += w;
  }
  return {
    x: Int32Array.from(xs),
    tx: Float64Array.from(txs),
    T: Float64Array.from(Ts),
    w: Float64Array.from(ws),
    maxX: xs.reduce((m, v) => Math.max(m, v), 0),
    total: ws.reduce((m, v) => m + v, 0),
  };
}

/**
 * Log-likelihood (FHL 2005 eq. 6), in log space:
 * ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln B(a, b+x) − ln B(a, b)
 *        + ln[ (α+T)^−(r+x) + δ(x>0) · a/(b+x−1) · (α+t_x)^−(r+x) ].
 * The Γ ratios of integer x are running sums of logs, so one evaluation is O(rows + max x).
 */
function groupedLogLikelihood(p: BgNbdParams, g: Grouped): number {
  const { r, alpha, a, b } = p;
  const n = g.maxX + 1;
  // cum[k] = Σ_{i<k} ln(r+i) + ln(b+i) − ln(a+b+i)
  const cum = new Float64Array(n);
  for (let k = 1; k < n; k++) {
    const i = k - 1;
    cum[k] = cum[k - 1] + Math.log(r + i) + Math.log(b + i) - Math.log(a + b + i);
  }
  const rLogAlpha = r * Math.log(alpha);
  const logA = Math.log(a);
  let total = 0;
  for (let j = 0; j < g.x.length; j++) {
    const x = g.x[j];
    const rx = r + x;
    const first = -rx * Math.log(alpha + g.T[j]);
    let ll: number;
    if (x > 0) {
      const second = logA - Math.log(b + x - 1) - rx * Math.log(alpha + g.tx[j]);
      ll = logAddExp(first, second);
    } else ll = first;
    total += g.w[j] * (cum[x] + rLogAlpha + ll);
  }
  return total;
}

/** Total log-likelihood of `summaries` under `params`. */
export function bgNbdLogLikelihood(params: BgNbdParams, summaries: readonly BgNbdSummary[]): number {
  return groupedLogLikelihood(params, group(summaries));
}

// alpha is searched relative to the mean age so the bounds mean the same in days or weeks.
const toParams = (theta: number[], alphaScale: number): BgNbdParams => ({
  r: Math.exp(theta[0]),
  alpha: alphaScale * Math.exp(theta[1]),
  a: Math.exp(theta[2]),
  b: Math.exp(theta[3]),
});

/**
 * Maximum-likelihood fit. Parameters are optimised as logs (so they stay > 0) with
 * Nelder–Mead; the start point is deterministic, so the same data always gives the same fit.
 * The mean log-likelihood is minimised so the tolerances mean the same for 100 or 100,000 rows.
 */
export function fitBgNbd(summaries: readonly BgNbdSummary[], options: BgNbdFitOptions = {}): BgNbdFit {
  const g = group(summaries);
  if (g.total === 0) throw new RangeError('fitBgNbd: no customers to fit');
  let meanT = 0;
  for (let j = 0; j < g.T.length; j++) meanT += (g.w[j] * g.T[j]) / g.total;
  const alphaScale = meanT > 0 ? meanT : 1;
  const start = options.start ?? { r: 1, alpha: alphaScale, a: 1, b: 1 };
  const theta0 = [Math.log(start.r), Math.log(start.alpha / alphaScale), Math.log(start.a), Math.log(start.b)];
  const objective = (theta: number[]): number =>
    theta.some((v) => Math.abs(v) > LOG_PARAMETER_BOUND) ? Infinity : -groupedLogLikelihood(toParams(theta, alphaScale), g) / g.total;
  const result = nelderMead(objective, theta0, options);
  const params = toParams(result.x, alphaScale);
  return {
    params,
    logLikelihood: -result.value * g.total,
    converged: result.converged && [params.r, params.alpha, params.a, params.b].every((v) => Number.isFinite(v) && v > 0),
    evaluations: result.evaluations,
    distinctSummaries: g.x.length,
    atBoundary: result.x.some((v) => Math.abs(v) > LOG_PARAMETER_BOUNDARY),
  };
}

/** P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)). */
export function probabilityAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logRatio = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return 1 / (1 + Math.exp(logRatio));
}

/**
 * The BG/NBD expectations divide by (a − 1); the limit at a = 1 is finite, so near it we
 * average the two sides (error O(h²)) instead of dividing 0 by 0.
 */
function aroundAEqualsOne(params: BgNbdParams, f: (p: BgNbdParams) => number): number {
  const h = 1e-4;
  if (Math.abs(params.a - 1) >= h) return f(params);
  return 0.5 * (f({ ...params, a: 1 - h }) + f({ ...params, a: 1 + h }));
}

/** E[X(t)] for a new customer: (a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))]. */
export function expectedPurchases(params: BgNbdParams, t: number): number {
  if (t <= 0) return 0;
  return aroundAEqualsOne(params, ({ r, alpha, a, b }) => {
    const z = t / (alpha + t);
    const head = Math.exp(r * Math.log(alpha / (alpha + t)));
    return ((a + b - 1) / (a - 1)) * (1 - head * hyp2f1(r, b, a + b - 1, z));
  });
}

/**
 * E[Y(t) | x, t_x, T]: expected repeat purchases in the next t (FHL 2005 eq. 10):
 * (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; t/(α+T+t))]
 *   / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
 */
export function conditionalExpectedPurchases(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  return aroundAEqualsOne(params, (p) => {
    const { r, alpha, a, b } = p;
    const z = t / (alpha + T + t);
    const head = Math.exp((r + x) * Math.log((alpha + T) / (alpha + T + t)));
    const numerator = ((a + b + x - 1) / (a - 1)) * (1 - head * hyp2f1(r + x, b + x, a + b + x - 1, z));
    return numerator * probabilityAlive(p, x, tx, T);
  });
}

/**
 * P(X(t) = n) for a new customer (FHL 2005 eq. 8):
 * B(a, b+n)/B(a, b) · Γ(r+n)/(Γ(r) n!) · (α/(α+t))^r · (t/(α+t))^n
 * + δ(n>0) · B(a+1, b+n−1)/B(a, b) · [1 − (α/(α+t))^r · Σ_{j<n} Γ(r+j)/(Γ(r) j!) · (t/(α+t))^j].
 */
export function probabilityOfNPurchases(params: BgNbdParams, t: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`probabilityOfNPurchases: n must be an integer ≥ 0, got ${n}`);
  const { r, alpha, a, b } = params;
  if (t <= 0) return n === 0 ? 1 : 0;
  const logP = Math.log(alpha / (alpha + t));
  const logQ = Math.log(t / (alpha + t));
  const lnB = lnBeta(a, b);
  // NBD probability of j events: Γ(r+j)/(Γ(r) j!) p^r q^j.
  const nbd = (j: number): number => Math.exp(lnGamma(r + j) - lnGamma(r) - lnGamma(j + 1) + r * logP + j * logQ);
  const first = Math.exp(lnBeta(a, b + n) - lnB) * nbd(n);
  if (n === 0) return first;
  let below = 0;
  for (let j = 0; j < n; j++) below += nbd(j);
  return first + Math.exp(lnBeta(a + 1, b + n - 1) - lnB) * Math.max(0, 1 - below);
}
