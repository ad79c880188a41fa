export * from './projector.module';
export * from './projector.service';
export * from './kafka-projector';
