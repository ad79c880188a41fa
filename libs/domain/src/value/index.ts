export * from './bg-nbd';
export * from './gamma-gamma';
export * from './clv';
export { lnGamma, lnBeta, hyp2f1 } from './special-functions';
export type { Hyp2f1Options } from './special-functions';
export type { NelderMeadOptions } from './nelder-mead';
