import { Controller, Inject, MessageEvent, Sse } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { Observable } from 'rxjs';
import { TOPIC_NAMES, TopicNames } from '@crm/infrastructure';
import { MessageBroker } from '@crm/messaging';

/**
 * Change notifications as Server-Sent Events: one event per change of a customer's lifecycle
 * stage, trust stage, tier or loyalty stage, with the causing event. Live only (from the moment
 * of connection); for history and replay consume crm.relationship-changes.v1 from Kafka.
 */
@ApiTags('query')
@Controller('v1/changes')
export class ChangesController {
  constructor(
    @Inject(MessageBroker) private readonly broker: MessageBroker,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
  ) {}

  @Sse()
  @ApiOperation({ summary: 'Stream of relationship changes (text/event-stream), live from the moment of connection' })
  stream(): Observable<MessageEvent> {
    return new Observable<MessageEvent>((subscriber) => {
      const handle = this.broker.consume({
        topic: this.topics.relationshipChanges,
        groupId: `sse-${randomUUID()}`,
        fromBeginning: false,
        eachBatch: async (batch) => {
          for (const message of batch.messages) if (message.value) subscriber.next({ type: 'relationship-change', data: message.value });
        },
      });
      handle.catch((error) => subscriber.error(error));
      return () => void handle.then((h) => h.stop()).catch(() => undefined);
    });
  }
}
