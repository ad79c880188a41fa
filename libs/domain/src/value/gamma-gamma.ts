/**
 * Gamma-Gamma model of spend per transaction, Fader, Hardie & Lee (2005), "RFM and CLV:
 * Using Iso-Value Curves for Customer Base Analysis", JMR 42(4); the likelihood is in Fader &
 * Hardie's note "The Gamma-Gamma Model of Monetary Value" (2013).
 *
 * Each transaction value z ~ Gamma(p, ν), and across customers ν ~ Gamma(q, γ). The model uses
 * the customer's average repeat-purchase value zbar over x transactions. It assumes spend is
 * independent of purchase frequency.
 */
import { lnGamma } from './special-functions';
import { LOG_PARAMETER_BOUND, LOG_PARAMETER_BOUNDARY } from './bg-nbd';
import { nelderMead, NelderMeadOptions } from './nelder-mead';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** A customer with x > 0 repeat purchases averaging zbar (> 0) each. */
export interface GammaGammaRow {
  x: number;
  zbar: number;
}

export interface GammaGammaFitOptions extends NelderMeadOptions {
  /** Start point; default p = 1, q = 2, gamma = mean zbar (sets the money scale). */
  start?: GammaGammaParams;
}

export interface GammaGammaFit {
  params: GammaGammaParams;
  logLikelihood: number;
  converged: boolean;
  evaluations: number;
  /** The optimum lies at the edge of the search box: not identified, do not forecast with it. */
  atBoundary: boolean;
}

/**
 * ln f(zbar | x) = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln γ + px ln x + (px−1) ln zbar
 *                  − (px+q) ln(γ + x·zbar).
 * The Γ ratio depends only on x, so it is computed once per distinct x per evaluation.
 */
function logLikelihoodOf(params: GammaGammaParams, xs: Float64Array, zs: Float64Array, logZ: Float64Array, logX: Float64Array, distinctX: number[], xIndex: Int32Array): number {
  const { p, q, gamma } = params;
  const lnGammaQ = lnGamma(q);
  const ratio = distinctX.map((x) => lnGamma(p * x + q) - lnGamma(p * x) - lnGammaQ);
  const qLogGamma = q * Math.log(gamma);
  let total = 0;
  for (let i = 0; i < xs.length; i++) {
    const px = p * xs[i];
    total += ratio[xIndex[i]] + qLogGamma + px * logX[i] + (px - 1) * logZ[i] - (px + q) * Math.log(gamma + xs[i] * zs[i]);
  }
  return total;
}

function prepare(rows: readonly GammaGammaRow[]) {
  for (const r of rows) {
    if (!(Number.isInteger(r.x) && r.x > 0 && Number.isFinite(r.zbar) && r.zbar > 0)) {
      throw new RangeError(`Gamma-Gamma row is invalid: ${JSON.stringify(r)} (need integer x > 0 and zbar > 0)`);
    }
  }
  const xs = Float64Array.from(rows, (r) => r.x);
  const zs = Float64Array.from(rows, (r) => r.zbar);
  const distinctX = [...new Set(rows.map((r) => r.x))].sort((u, v) => u - v);
  const pos = new Map(distinctX.map((x, i) => [x, i]));
  return {
    xs,
    zs,
    logZ: zs.map(Math.log),
    logX: xs.map(Math.log),
    distinctX,
    xIndex: Int32Array.from(rows, (r) => pos.get(r.x) as number),
  };
}

export function gammaGammaLogLikelihood(params: GammaGammaParams, rows: readonly GammaGammaRow[]): number {
  const d = prepare(rows);
  return logLikelihoodOf(params, d.xs, d.zs, d.logZ, d.logX, d.distinctX, d.xIndex);
}

// gamma is searched relative to the mean zbar so the bounds mean the same in cents or dollars.
const toParams = (theta: number[], gammaScale: number): GammaGammaParams => ({
  p: Math.exp(theta[0]),
  q: Math.exp(theta[1]),
  gamma: gammaScale * Math.exp(theta[2]),
});

/**
 * Maximum-likelihood fit over customers with x > 0 (rows with x = 0 carry no spend
 * information and must be left out by the caller; this function rejects them).
 */
export function fitGammaGamma(rows: readonly GammaGammaRow[], options: GammaGammaFitOptions = {}): GammaGammaFit {
  if (rows.length === 0) throw new RangeError('fitGammaGamma: no customers with repeat purchases to fit');
  const d = prepare(rows);
  const meanZ = d.zs.reduce((s, z) => s + z, 0) / d.zs.length;
  const start = options.start ?? { p: 1, q: 2, gamma: meanZ };
  const theta0 = [Math.log(start.p), Math.log(start.q), Math.log(start.gamma / meanZ)];
  const n = rows.length;
  const objective = (theta: number[]): number =>
    theta.some((v) => Math.abs(v) > LOG_PARAMETER_BOUND)
      ? Infinity
      : -logLikelihoodOf(toParams(theta, meanZ), d.xs, d.zs, d.logZ, d.logX, d.distinctX, d.xIndex) / n;
  const result = nelderMead(objective, theta0, options);
  const params = toParams(result.x, meanZ);
  return {
    params,
    logLikelihood: -result.value * n,
    converged: result.converged && [params.p, params.q, params.gamma].every((v) => Number.isFinite(v) && v > 0),
    evaluations: result.evaluations,
    atBoundary: result.x.some((v) => Math.abs(v) > LOG_PARAMETER_BOUNDARY),
  };
}

/** Population mean spend per transaction, pγ/(q−1); infinite when q ≤ 1. */
export function populationMeanSpend(params: GammaGammaParams): number {
  return params.q > 1 ? (params.p * params.gamma) / (params.q - 1) : Infinity;
}

/**
 * E[M | x, zbar] = p(γ + x·zbar) / (px + q − 1): a weighted average of the population mean
 * pγ/(q−1) and the customer's own zbar, with weight px/(px+q−1) on the customer. With x = 0
 * it is the population mean.
 */
export function conditionalExpectedSpend(params: GammaGammaParams, x: number, zbar: number): number {
  const { p, q, gamma } = params;
  const denominator = p * x + q - 1;
  if (!(denominator > 0)) return Infinity;
  return (p * (gamma + x * zbar)) / denominator;
}
