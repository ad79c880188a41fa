export * from './event-relay';
export * from './interaction-message';
export * from './relay.module';
export * from './relay.service';
