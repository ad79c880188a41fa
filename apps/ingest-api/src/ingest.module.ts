import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { PrivacyModule } from '@crm/infrastructure';
import { GroupCommit } from './commands/group-commit';
import { RecordInteractionsHandler } from './commands/record-interactions.handler';
import { EventsController } from './http/events.controller';
import { MergeRegistry } from './merges/merge-registry';
import { PersonalDataController } from './http/personal-data.controller';
import { SchemasController } from './http/schemas.controller';

/**
 * Call-centre systems publish here. Needs an EventStore bound by the composition root; its
 * group commit reads INGEST_COALESCE_MS and INGEST_COALESCE_MAX_EVENTS from the validated AppConfig.
 * The merge registry (merges/) routes events of merged customers to their survivors.
 */
@Module({
  imports: [CqrsModule, PrivacyModule],
  controllers: [EventsController, SchemasController, PersonalDataController],
  providers: [GroupCommit, MergeRegistry, RecordInteractionsHandler],
})
export class IngestModule {}
