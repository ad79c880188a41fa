export * from './relationship.policy';
export * from './parse-policy';
