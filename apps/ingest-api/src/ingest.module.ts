import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { GroupCommit } from './commands/group-commit';
import { RecordInteractionsHandler } from './commands/record-interactions.handler';
import { EventsController } from './http/events.controller';
import { MergeRegistry } from './merges/merge-registry';
import { SchemasController } from './http/schemas.controller';

/**
 * Call-centre systems publish here. Needs an EventStore bound by the composition root; its
 * group commit reads INGEST_COALESCE_MS and INGEST_COALESCE_MAX_EVENTS from the validated AppConfig.
 * The merge registry (merges/) routes events of merged customers to their survivors.
 */
@Module({
  imports: [CqrsModule],
  controllers: [EventsController, SchemasController],
  providers: [GroupCommit, MergeRegistry, RecordInteractionsHandler],
})
export class IngestModule {}
