import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { InteractionEvent, streamIdFor } from '@crm/contracts';
import { EventIdConflictError, EventStore, EventStoreError, WrongExpectedRevisionError, toNewEvent } from '@crm/event-store';
import { RecordInteractionsCommand, RecordOutcome } from './record-interactions.command';

/**
 * Appends each customer's events to `customer-<id>` in one atomic append per stream.
 *
 * Concurrency: events are independent facts, so by default appends use expected revision
 * 'any' and the store orders concurrent writers to one stream (both succeed, none lost).
 * A publisher that wants a guard passes an expected revision and gets a 409 on a mismatch.
 */
@CommandHandler(RecordInteractionsCommand)
export class RecordInteractionsHandler implements ICommandHandler<RecordInteractionsCommand, RecordOutcome[]> {
  private readonly logger = new Logger(RecordInteractionsHandler.name);

  constructor(@Inject(EventStore) private readonly eventStore: EventStore) {}

  async execute(command: RecordInteractionsCommand): Promise<RecordOutcome[]> {
    const byStream = new Map<string, { index: number; event: InteractionEvent }[]>();
    command.events.forEach((event, index) => {
      const streamId = streamIdFor(event.customerId);
      const group = byStream.get(streamId) ?? [];
      group.push({ index, event });
      byStream.set(streamId, group);
    });
    const outcomes: RecordOutcome[] = new Array(command.events.length);
    await Promise.all(
      [...byStream.entries()].map(async ([streamId, group]) => {
        try {
          const result = await this.eventStore.appendToStream(
            streamId,
            group.map(({ event }) => toNewEvent(event)),
            { expectedRevision: command.expectedRevision },
          );
          result.events.forEach((appended, i) => {
            outcomes[group[i].index] = {
              index: group[i].index,
              eventId: appended.eventId,
              streamId,
              status: appended.duplicate ? 'duplicate' : 'stored',
              streamRevision: appended.revision,
              position: appended.position,
            };
          });
        } catch (error) {
          // A single-event command surfaces the typed error (409/503 via the problem filter).
          if (command.events.length === 1) throw error;
          for (const { index, event } of group) outcomes[index] = failure(index, event.eventId, streamId, error);
          if (!(error instanceof EventStoreError)) this.logger.error(`append to ${streamId} failed`, error as Error);
        }
      }),
    );
    return outcomes;
  }
}

function failure(index: number, eventId: string, streamId: string, error: unknown): RecordOutcome {
  const conflict = error instanceof WrongExpectedRevisionError || error instanceof EventIdConflictError;
  return {
    index,
    eventId,
    streamId,
    status: conflict ? 'conflict' : 'failed',
    error: {
      title: conflict ? 'Conflict' : 'Not stored',
      detail: error instanceof EventStoreError ? error.message : 'the event store failed; retry with the same eventId',
      retriable: error instanceof EventStoreError ? error.retriable : true,
    },
  };
}
