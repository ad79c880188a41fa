export * from './customer-projection';
export * from './projection-runner';
export * from './projector.module';
export * from './projector.service';
export * from './summary.projection';
export * from './create-customer-projection';
export * from './kafka-projector';
