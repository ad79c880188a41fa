import type { AppConfig } from '@crm/config';
import { LogLevels, createServiceApp } from '@crm/infrastructure';
import { IngestModule } from '@crm/ingest-api';
import { ProjectorModule } from '@crm/projector';
import { QueryModule } from '@crm/query-api';

/** The embedded all-in-one: the same modules as the separate services, wired in one process. */
export const PLATFORM_FEATURES = [IngestModule, ProjectorModule, QueryModule];

export function createPlatformApp(config: AppConfig, options: { logger?: LogLevels } = {}) {
  return createServiceApp('platform', config, PLATFORM_FEATURES, options);
}
