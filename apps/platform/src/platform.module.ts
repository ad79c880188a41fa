import { DynamicModule, Module } from '@nestjs/common';
import type { AppConfig } from '@crm/config';
import { InfrastructureModule } from '@crm/infrastructure';
import { IngestModule } from '@crm/ingest-api';
import { ProjectorModule } from '@crm/projector';
import { QueryModule } from '@crm/query-api';
import { HealthController } from './health.controller';

/** The embedded all-in-one: the same modules as the separate services, wired in one process. */
@Module({})
export class PlatformModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: PlatformModule,
      imports: [InfrastructureModule.forRoot(config), IngestModule, ProjectorModule, QueryModule],
      controllers: [HealthController],
    };
  }
}
