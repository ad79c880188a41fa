/**
 * Customer lifetime value: a probabilistic forward estimate (BG/NBD purchases × Gamma-Gamma
 * spend) with an average-based floor when the population is too small or a fit fails.
 */
import type { ClvPolicy } from '../segmentation/segmentation.policy';
import { BgNbdFitOptions, BgNbdParams, conditionalExpectedPurchases, fitBgNbd, probabilityAlive } from './bg-nbd';
import { conditionalExpectedSpend, fitGammaGamma, GammaGammaFitOptions, GammaGammaParams } from './gamma-gamma';
import { discountedFlow, evenFlowDiscountFactor } from './quadrature';

/**
 * - `bg-nbd-gamma-gamma`: both models fitted (the target of docs/relationship-model.md §4);
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
  /** Expected value of the horizon discounted to asOf (continuously, see customerLifetimeValue), rounded to whole minor units. */
  forwardValue: number;
  /** The same without discounting, rounded to whole minor units. */
  undiscountedForwardValue: number;
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
  /** Gauss–Legendre nodes of the discounting integral (probabilistic methods). @defaultValue 12 */
  quadratureNodes?: number;
}

/**
 * How the forward value is discounted (the comment of `customerLifetimeValue`): continuously,
 * each expected purchase at the instant it is expected, at δ = ln(1 + annualDiscountRate) a year.
 */
export const CLV_DISCOUNTING = 'continuous' as const;

/**
 * Forward value over `policy.horizonDays` and the historical value carried along.
 *
 * Discounting (annualDiscountRate d > 0) is continuous: a purchase expected t days from asOf
 * is worth (1+d)^−(t/365) = e^−δt today, δ = ln(1+d), a year = 365 days. So
 * - probabilistic: forward = E[spend] × ∫₀ᴴ e^−δt dE(t | x, t_x, T), the BG/NBD conditional
 *   expected purchases E integrated against the discount (`discountedFlow`: by parts and
 *   Gauss–Legendre in log-time, ~1e-10 relative against a brute-force Stieltjes sum);
 * - historical-average: purchases at the customer's own constant rate, i.e. E(t) linear, for
 *   which the same integral is exact: the mean factor (1 − (1+d)^−H) / (H · ln(1+d)), H in years.
 * Both methods therefore discount the same way; `undiscountedForwardValue` is the horizon's
 * expected value without it.
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
      const expectedSpend =
        method === 'bg-nbd-gamma-gamma' ? conditionalExpectedSpend(model.gammaGamma as GammaGammaParams, x, Math.max(0, zbar)) : ownSpend;
      const ratePerUnit = d > 0 ? (Math.log1p(d) * policy.timeUnitDays) / 365 : 0;
      const flow = discountedFlow((t) => conditionalExpectedPurchases(bg, t, x, tx, T), horizon, ratePerUnit, bg.alpha + T, {
        nodes: options.quadratureNodes,
      });
      return {
        probabilityAlive: probabilityAlive(bg, x, tx, T),
        expectedPurchases: flow.undiscounted,
        expectedSpend,
        forwardValue: Math.round(flow.discounted * expectedSpend),
        undiscountedForwardValue: Math.round(flow.undiscounted * expectedSpend),
        historicalValue,
        method,
      };
    }
    case 'historical-average': {
      const expected = T > 0 && horizon > 0 ? (x / T) * horizon : 0;
      const factor = evenFlowDiscountFactor(d, policy.horizonDays / 365);
      return {
        probabilityAlive: null,
        expectedPurchases: expected,
        expectedSpend: ownSpend,
        forwardValue: Math.round(expected * ownSpend * factor),
        undiscountedForwardValue: Math.round(expected * ownSpend),
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

/** How customer equity was computed, for the report. */
export interface CustomerEquityBasis {
  /** Σ historicalValue: value already realised, not discounted (it is in the past). */
  historicalValue: number;
  /** Σ forwardValue: the horizon's expected value discounted to asOf. */
  forwardValue: number;
  /** Σ undiscountedForwardValue, to show what the discounting took off. */
  undiscountedForwardValue: number;
  annualDiscountRate: number;
  horizonDays: number;
  /** The BG/NBD time unit the expectations were computed in. */
  timeUnitDays: number;
  discounting: typeof CLV_DISCOUNTING;
  method: ClvMethod;
  customers: number;
}

/**
 * Customer equity (客户资产, docs/relationship-model.md §4): the sum over customers of their lifetime
 * values discounted to present value, Σ (historicalValue + forwardValue) in minor units. The
 * historical part is realised value counted at face value; the forward part is the discounted
 * expectation of the next `horizonDays` (see customerLifetimeValue).
 */
export function customerEquity(estimates: Iterable<Pick<ClvEstimate, 'historicalValue' | 'forwardValue'>>): number {
  let total = 0;
  for (const e of estimates) total += e.historicalValue + e.forwardValue;
  return total;
}

/** The parts of customerEquity and the policy values behind them. */
export function customerEquityBasis(estimates: Iterable<ClvEstimate>, model: Pick<ClvModel, 'method'>, policy: ClvPolicy): CustomerEquityBasis {
  let historicalValue = 0;
  let forwardValue = 0;
  let undiscountedForwardValue = 0;
  let customers = 0;
  for (const e of estimates) {
    historicalValue += e.historicalValue;
    forwardValue += e.forwardValue;
    undiscountedForwardValue += e.undiscountedForwardValue;
    customers++;
  }
  return {
    historicalValue,
    forwardValue,
    undiscountedForwardValue,
    annualDiscountRate: policy.annualDiscountRate,
    horizonDays: policy.horizonDays,
    timeUnitDays: policy.timeUnitDays,
    discounting: CLV_DISCOUNTING,
    method: model.method,
    customers,
  };
}
