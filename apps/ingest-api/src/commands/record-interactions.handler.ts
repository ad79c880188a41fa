import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { InteractionEvent, streamIdFor } from '@crm/contracts';
import { EventIdConflictError, EventStoreError, WrongExpectedRevisionError, toNewEvent, type StreamAppend } from '@crm/event-store';
import { RecordInteractionsCommand, RecordOutcome } from './record-interactions.command';
import { GroupCommit } from './group-commit';

/**
 * Appends each customer's events to `customer-<id>`, atomically per stream; the streams of a
 * command (and of concurrent commands, see GroupCommit) are committed together.
 *
 * Concurrency: events are independent facts, so by default appends use expected revision
 * 'any' and the store orders concurrent writers to one stream (both succeed, none lost).
 * A publisher that wants a guard passes an expected revision and gets a 409 on a mismatch.
 */
@CommandHandler(RecordInteractionsCommand)
export class RecordInteractionsHandler implements ICommandHandler<RecordInteractionsCommand, RecordOutcome[]> {
  private readonly logger = new Logger(RecordInteractionsHandler.name);

  constructor(@Inject(GroupCommit) private readonly groupCommit: GroupCommit) {}

  async execute(command: RecordInteractionsCommand): Promise<RecordOutcome[]> {
    const byStream = new Map<string, { index: number; event: InteractionEvent }[]>();
    command.events.forEach((event, index) => {
      const streamId = streamIdFor(event.customerId);
      const group = byStream.get(streamId);
      if (group === undefined) byStream.set(streamId, [{ index, event }]);
      else group.push({ index, event });
    });
    const groups = [...byStream.values()];
    const appends: StreamAppend[] = [...byStream.keys()].map((streamId, i) => ({
      streamId,
      events: groups[i].map(({ event }) => toNewEvent(event)),
      expectedRevision: command.expectedRevision,
    }));

    const outcomes: RecordOutcome[] = new Array(command.events.length);
    let stored;
    try {
      stored = await this.groupCommit.append(appends);
    } catch (error) {
      // The whole append failed (not one stream): a single event surfaces it, a batch reports it per event.
      if (command.events.length === 1) throw error;
      this.logger.error('append of a batch failed', error as Error);
      appends.forEach(({ streamId }, i) => {
        for (const { index, event } of groups[i]) outcomes[index] = failure(index, event.eventId, streamId, error);
      });
      return outcomes;
    }
    stored.forEach((outcome, i) => {
      const { streamId } = outcome;
      const group = groups[i];
      if (!outcome.ok) {
        // A single-event command surfaces the typed error (409/503 via the problem filter).
        if (command.events.length === 1) throw outcome.error;
        for (const { index, event } of group) outcomes[index] = failure(index, event.eventId, streamId, outcome.error);
        return;
      }
      outcome.result.events.forEach((appended, j) => {
        const index = group[j].index;
        outcomes[index] = {
          index,
          eventId: appended.eventId,
          streamId,
          status: appended.duplicate ? 'duplicate' : 'stored',
          streamRevision: appended.revision,
          position: appended.position,
        };
      });
    });
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
