import 'reflect-metadata';
import { runService } from '@crm/infrastructure';
import { IngestModule } from '@crm/ingest-api';
import { ProjectorModule } from '@crm/projector';
import { QueryModule } from '@crm/query-api';
import { assertPlatformNotRunning, writePlatformLock } from './platform-lock';

// npm start: ingest, projector and query in one process (the embedded default).
runService('platform', [IngestModule, ProjectorModule, QueryModule], (config) => {
  assertPlatformNotRunning(config.DATA_DIR);
  process.once('exit', writePlatformLock(config.DATA_DIR));
});
