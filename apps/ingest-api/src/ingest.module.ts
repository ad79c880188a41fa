import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RecordInteractionsHandler } from './commands/record-interactions.handler';
import { EventsController } from './http/events.controller';
import { SchemasController } from './http/schemas.controller';

/** Call-centre systems publish here. Needs an EventStore bound by the composition root. */
@Module({
  imports: [CqrsModule],
  controllers: [EventsController, SchemasController],
  providers: [RecordInteractionsHandler],
})
export class IngestModule {}
