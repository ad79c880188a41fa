export * from './infrastructure.module';
export * from './http/problem';
export * from './http/problem-details.filter';
export * from './http/configure-http-app';
