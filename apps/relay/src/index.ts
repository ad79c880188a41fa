export * from './event-relay';
export * from './relay.module';
export * from './relay.service';
