import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { GroupCommit } from './commands/group-commit';
import { RecordInteractionsHandler } from './commands/record-interactions.handler';
import { EventsController } from './http/events.controller';
import { SchemasController } from './http/schemas.controller';

/**
 * Call-centre systems publish here. Needs an EventStore bound by the composition root; its
 * group commit reads INGEST_COALESCE_MS and INGEST_COALESCE_MAX_EVENTS from the validated AppConfig.
 */
@Module({
  imports: [CqrsModule],
  controllers: [EventsController, SchemasController],
  providers: [GroupCommit, RecordInteractionsHandler],
})
export class IngestModule {}
