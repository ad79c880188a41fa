export * from './domain.errors';
export * from './policy';
export * from './customer';
export * from './segmentation';
export * from './value';
