export * from './privacy.errors';
export * from './field-cipher';
