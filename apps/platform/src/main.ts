import 'reflect-metadata';
import { runService } from '@crm/infrastructure';
import { PLATFORM_FEATURES } from './create-platform-app';
import { assertPlatformNotRunning, writePlatformLock } from './platform-lock';

// npm start: ingest, projector and query in one process (the embedded default).
runService('platform', PLATFORM_FEATURES, (config) => {
  assertPlatformNotRunning(config.DATA_DIR);
  process.once('exit', writePlatformLock(config.DATA_DIR));
});
