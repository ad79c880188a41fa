/**
 * Customer lifetime value: a probabilistic forward estimate (BG/NBD purchases × Gamma-Gamma
 * spend) with an average-based floor when the population is too small or a fit fails.
 */
import type { ClvPolicy } from '../segmentation/segmentation.policy';
import { BgNbdFitOptions, BgNbdParams, conditionalExpectedPurchases, fitBgNbd, probabilityAlive } from './bg-nbd';
import { conditionalExpectedSpend, fitGammaGamma, GammaGammaFitOptions, GammaGammaParams } from './gamma-gamma';

/**
 * - `bg-nbd-gamma-gamma`: both models fitted (the target of relationship-model.md §4);
 * - `bg-nbd-average-spend`: purchases from BG/NBD, spend from the customer's own average
 *   (population average when they have none) because Gamma-Gamma could not be fitted;
 * - `historical-average`: the floor, own purchase rate × own average spend × horizon.
 */
export const CLV_METHODS = ['bg-nbd-gamma-gamma', 'bg-nbd-average-spend', 'historical-average'] as const;
export type ClvMethod = (typeof CLV_METHODS)[number];

/** One customer, times in ClvPolicy.timeUnitDays units since the first purchase, money in minor units. */
export interface ClvCustomer {
  /** Repeat purchases (after the first). */
  x: number;
  tx: number;
  T: number;
  /** Average value of the repeat purchases (0 when x = 0). */
  zbar: number;
  /** Value to date (net of refunds), minor units. */
  historicalValue: number;
}

export interface ClvModel {
  method: ClvMethod;
  bgNbd: BgNbdParams | null;
  gammaGamma: GammaGammaParams | null;
  /** Σ x·zbar / Σ x over customers with repeat purchases: spend per repeat purchase. */
  averageSpend: number;
  /** Why the model is below `bg-nbd-gamma-gamma`, for the report; null when it is not. */
  fallbackReason: string | null;
}

export interface ClvFitOptions {
  bgNbd?: BgNbdFitOptions;
  gammaGamma?: GammaGammaFitOptions;
}

export interface ClvEstimate {
  /** P(alive) from BG/NBD; null under the historical-average method (no model of dropout). */
  probabilityAlive: number | null;
  /** Expected repeat purchases in the horizon (undiscounted). */
  expectedPurchases: number;
  /** Expected value of one future purchase, minor units. */
  expectedSpend: number;
  /** Expected (discounted) value of the horizon, rounded to whole minor units. */
  forwardValue: number;
  historicalValue: number;
  method: ClvMethod;
}

/** Fits the population models once; `customerLifetimeValue` then applies them per customer. */
export function fitClvModel(customers: readonly ClvCustomer[], policy: ClvPolicy, options: ClvFitOptions = {}): ClvModel {
  let repeatPurchases = 0;
  let repeatSpend = 0;
  const spendRows: { x: number; zbar: number }[] = [];
  let repeaters = 0;
  for (const c of customers) {
    if (c.x > 0) {
      repeaters++;
      repeatPurchases += c.x;
      repeatSpend += c.x * Math.max(0, c.zbar);
      if (c.zbar > 0) spendRows.push({ x: c.x, zbar: c.zbar });
    }
  }
  const averageSpend = repeatPurchases > 0 ? repeatSpend / repeatPurchases : 0;
  const floor = (reason: string): ClvModel => historicalAverageModel(averageSpend, reason);

  if (repeaters < policy.minCustomersForFit) {
    return floor(`${repeaters} customers with repeat purchases, fewer than minCustomersForFit = ${policy.minCustomersForFit}`);
  }
  let bgNbd: BgNbdParams;
  try {
    const fit = fitBgNbd(customers, options.bgNbd);
    if (!fit.converged) return floor('BG/NBD fit did not converge');
    if (fit.atBoundary) return floor('BG/NBD optimum at the edge of the parameter space (model not identified by these data)');
    bgNbd = fit.params;
  } catch (error) {
    return floor(`BG/NBD fit failed: ${(error as Error).message}`);
  }

  const partial = (reason: string): ClvModel => ({ method: 'bg-nbd-average-spend', bgNbd, gammaGamma: null, averageSpend, fallbackReason: reason });
  if (spendRows.length < policy.minCustomersForFit) {
    return partial(`${spendRows.length} customers with positive repeat spend, fewer than minCustomersForFit = ${policy.minCustomersForFit}`);
  }
  try {
    const fit = fitGammaGamma(spendRows, options.gammaGamma);
    if (!fit.converged) return partial('Gamma-Gamma fit did not converge');
    if (fit.atBoundary) return partial('Gamma-Gamma optimum at the edge of the parameter space (model not identified by these data)');
    // q ≤ 1 means an infinite population mean spend: the model is unusable for forecasting.
    if (!(fit.params.q > 1)) return partial(`Gamma-Gamma q = ${fit.params.q} ≤ 1`);
    return { method: 'bg-nbd-gamma-gamma', bgNbd, gammaGamma: fit.params, averageSpend, fallbackReason: null };
  } catch (error) {
    return partial(`Gamma-Gamma fit failed: ${(error as Error).message}`);
  }
}

/** The floor model, e.g. when applying a fitted model to a customer failed numerically. */
export function historicalAverageModel(averageSpend: number, reason: string): ClvModel {
  return { method: 'historical-average', bgNbd: null, gammaGamma: null, averageSpend, fallbackReason: reason };
}

export interface ClvOptions {
  /** Sub-intervals of the horizon over which discounting is applied (probabilistic methods). @defaultValue one per 30 days */
  discountSteps?: number;
}

/**
 * Forward value over `policy.horizonDays` and the historical value carried along.
 *
 * Discounting (annualDiscountRate d > 0), an approximation documented in README.md:
 * - probabilistic: the horizon is cut into `discountSteps` equal slices; the expected purchases
 *   of slice k, E(t_k) − E(t_{k−1}), are discounted at the slice midpoint by (1+d)^−(days/365);
 * - historical-average: purchases are spread evenly over the horizon H (years), giving the
 *   exact mean factor (1 − (1+d)^−H) / (H · ln(1+d)).
 */
export function customerLifetimeValue(customer: ClvCustomer, model: ClvModel, policy: ClvPolicy, options: ClvOptions = {}): ClvEstimate {
  const { x, tx, T, zbar, historicalValue } = customer;
  const horizon = policy.horizonDays / policy.timeUnitDays;
  const d = policy.annualDiscountRate;
  const ownSpend = x > 0 && zbar > 0 ? zbar : model.averageSpend;
  const method = model.method;
  switch (method) {
    case 'bg-nbd-gamma-gamma':
    case 'bg-nbd-average-spend': {
      const bg = model.bgNbd as BgNbdParams;
      const expected = conditionalExpectedPurchases(bg, horizon, x, tx, T);
      const expectedSpend =
        method === 'bg-nbd-gamma-gamma' ? conditionalExpectedSpend(model.gammaGamma as GammaGammaParams, x, Math.max(0, zbar)) : ownSpend;
      let discountedPurchases = expected;
      if (d > 0 && horizon > 0) {
        const steps = options.discountSteps ?? Math.max(1, Math.ceil(policy.horizonDays / 30));
        discountedPurchases = 0;
        let previous = 0;
        for (let k = 1; k <= steps; k++) {
          const cumulative = k === steps ? expected : conditionalExpectedPurchases(bg, (horizon * k) / steps, x, tx, T);
          const midDays = (policy.horizonDays * (k - 0.5)) / steps;
          discountedPurchases += (cumulative - previous) * Math.pow(1 + d, -midDays / 365);
          previous = cumulative;
        }
      }
      return {
        probabilityAlive: probabilityAlive(bg, x, tx, T),
        expectedPurchases: expected,
        expectedSpend,
        forwardValue: Math.round(discountedPurchases * expectedSpend),
        historicalValue,
        method,
      };
    }
    case 'historical-average': {
      const expected = T > 0 ? (x / T) * horizon : 0;
      const years = policy.horizonDays / 365;
      const factor = d > 0 && years > 0 ? (1 - Math.pow(1 + d, -years)) / (years * Math.log(1 + d)) : 1;
      return {
        probabilityAlive: null,
        expectedPurchases: expected,
        expectedSpend: ownSpend,
        forwardValue: Math.round(expected * ownSpend * factor),
        historicalValue,
        method,
      };
    }
    default: {
      const unhandled: never = method;
      throw new Error(`unknown CLV method ${String(unhandled)}`);
    }
  }
}

/**
 * Customer equity (客户资产): Σ over customers of (historicalValue + forwardValue), in minor
 * units — value already realised plus the expected value of the horizon, per customer.
 */
export function customerEquity(estimates: Iterable<Pick<ClvEstimate, 'historicalValue' | 'forwardValue'>>): number {
  let total = 0;
  for (const e of estimates) total += e.historicalValue + e.forwardValue;
  return total;
}
