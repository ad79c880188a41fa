export * from './messaging.port';
export * from './kafka/kafka-messaging';
export * from './in-process/in-process-messaging';
export * from './bounded-json';
export * from './interaction-message';
