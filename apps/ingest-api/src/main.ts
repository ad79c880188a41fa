import 'reflect-metadata';
import { runService } from '@crm/infrastructure';
import { IngestModule } from './ingest.module';

// The ingest API as its own service (distributed mode): call-centre systems publish here.
runService('ingest-api', [IngestModule]);
