export * from './segmentation.policy';
export * from './tiers';
export * from './segment-population';
export * from './transitions-per-day';
export * from './interaction-measures';
export { utcDayOf } from './utc-day';
