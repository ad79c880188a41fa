import { DynamicModule, Module, Provider } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { GroupCommit } from './commands/group-commit';
import { RecordInteractionsHandler } from './commands/record-interactions.handler';
import { EventsController } from './http/events.controller';
import { SchemasController } from './http/schemas.controller';
import { INGEST_CONFIG, IngestConfig, ingestConfigSchema, loadIngestConfig } from './ingest.config';

const configFromEnvironment: Provider = { provide: INGEST_CONFIG, useFactory: () => loadIngestConfig() };

/**
 * Call-centre systems publish here. Needs an EventStore bound by the composition root. Its
 * settings (INGEST_COALESCE_MS, INGEST_COALESCE_MAX_EVENTS) come from the environment, or from
 * `IngestModule.withConfig` (tests, benchmarks).
 */
@Module({
  imports: [CqrsModule],
  controllers: [EventsController, SchemasController],
  providers: [configFromEnvironment, GroupCommit, RecordInteractionsHandler],
})
export class IngestModule {
  static withConfig(config: Partial<IngestConfig>): DynamicModule {
    return {
      module: IngestModule,
      providers: [{ provide: INGEST_CONFIG, useValue: ingestConfigSchema.parse(config) }],
    };
  }
}
