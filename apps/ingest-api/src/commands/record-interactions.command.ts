import { Command } from '@nestjs/cqrs';
import type { InteractionEvent } from '@crm/contracts';
import type { ExpectedRevision } from '@crm/event-store';

/** The outcome of one event of a RecordInteractions command. */
export type RecordOutcome =
  | {
      index: number;
      eventId: string;
      streamId: string;
      status: 'stored' | 'duplicate';
      streamRevision: number;
      position: number;
      /** Only for an event published for a merged customer: the survivor it was stored under (streamId is its stream). */
      survivorCustomerId?: string;
    }
  | { index: number; eventId: string; streamId: string; status: 'conflict' | 'failed'; error: { title: string; detail: string; retriable: boolean } };

/** Store validated interaction events, each in its customer's stream. */
export class RecordInteractionsCommand extends Command<RecordOutcome[]> {
  constructor(
    readonly events: readonly InteractionEvent[],
    /** Only for a single-customer command: the publisher's optimistic-concurrency guard. */
    readonly expectedRevision: ExpectedRevision = 'any',
  ) {
    super();
  }
}
