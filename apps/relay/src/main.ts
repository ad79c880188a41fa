import 'reflect-metadata';
import { runService } from '@crm/infrastructure';
import { RelayModule } from './relay.module';

// The relay as its own service: event store → Kafka, one instance (it is a single reader of $all).
runService('relay', [RelayModule]);
