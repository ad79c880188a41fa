export * from './bg-nbd';
export * from './gamma-gamma';
export * from './clv';
export * from './value-distribution';
export { discountedFlow, evenFlowDiscountFactor, gaussLegendre } from './quadrature';
export type { DiscountedFlowOptions } from './quadrature';
export { lnGamma, lnBeta, hyp2f1 } from './special-functions';
export type { Hyp2f1Options } from './special-functions';
export type { NelderMeadOptions } from './nelder-mead';
