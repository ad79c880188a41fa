export * from './domain.errors';
export * from './policy';
export * from './customer';
export * from './fold';
export * from './satisfaction';
export * from './trust';
export * from './segmentation';
export * from './value';
