import 'reflect-metadata';
import { runService } from '@crm/infrastructure';
import { ProjectorModule } from './projector.module';

// The projector as its own service: with TRANSPORT=kafka one member of the consumer group
// (run as many as there are partitions); it serves /health on PORT.
runService('projector', [ProjectorModule]);
