import 'reflect-metadata';
import { runService } from '@crm/infrastructure';
import { loadIngestConfig } from './ingest.config';
import { IngestModule } from './ingest.module';

// The ingest API as its own service (distributed mode): call-centre systems publish here.
// Its own variables are checked with the platform's, so a bad value exits with the message.
runService('ingest-api', [IngestModule], () => loadIngestConfig());
