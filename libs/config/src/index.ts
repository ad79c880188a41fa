export * from './app-config';
export * from './local-api-key';
