import { Inject, Logger } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { streamIdFor, withTraceparent } from '@crm/contracts';
import { currentTraceparent, inSpan } from '@crm/infrastructure';
import { DataKeys, sealEvents } from '@crm/privacy';
import {
  EventIdConflictError,
  EventStoreError,
  WrongExpectedRevisionError,
  eventIdConflictDetail,
  toNewEvent,
  type NewEvent,
  type StreamAppend,
  type StreamAppendOutcome,
} from '@crm/event-store';
import { CustomerMergeRefusedError } from '../merges/customer-merge-refused.error';
import { MergeRegistry } from '../merges/merge-registry';
import { MERGE_REGISTRY_STREAM } from '../merges/merge-registry.state';
import { PlannedMerge, RoutedEvent, planRouting } from '../merges/merge-routing';
import { RecordInteractionsCommand, RecordOutcome } from './record-interactions.command';
import { GroupCommit } from './group-commit';

/** The metadata key keeping the customerId a publisher used when the event was stored under its survivor. */
export const PUBLISHED_CUSTOMER_ID = 'publishedCustomerId';

/** One customer stream's part of the command. */
interface Entry {
  streamId: string;
  items: RoutedEvent[];
}

const newEventOf = ({ event, publishedCustomerId }: RoutedEvent): NewEvent => {
  const stored = toNewEvent(event);
  if (publishedCustomerId !== undefined) stored.metadata = { ...stored.metadata, [PUBLISHED_CUSTOMER_ID]: publishedCustomerId };
  return stored;
};

/**
 * Appends each customer's events to `customer-<id>`, atomically per stream; the streams of a
 * command (and of concurrent commands, see GroupCommit) are committed together.
 *
 * Concurrency: events are independent facts, so by default appends use expected revision
 * 'any' and the store orders concurrent writers to one stream (both succeed, none lost).
 * A publisher that wants a guard passes an expected revision and gets a 409 on a mismatch.
 *
 * Identity merges (CustomersMerged, customerId = the survivor S, data.mergedCustomerId = M):
 *  - the merge event goes to S's stream and, first in the same group commit, an entry to the
 *    merge registry (`crm-merges`, outside the customer prefix) whose id derives from the
 *    merge's eventId (a retried publish is a duplicate of both);
 *  - an event published later for M is stored in the current survivor's stream (chains
 *    followed: M→S then S→T stores it as T's) with customerId rewritten to the survivor, the
 *    publisher's id kept in the metadata (`publishedCustomerId`), and the outcome names the
 *    survivor (`survivorCustomerId`, streamId customer-<survivor>);
 *  - a merge the registry refuses (see planRouting) fails the whole command with
 *    CustomerMergeRefusedError (409), nothing stored;
 *  - when the registry entry was stored but the merge event was not (the survivor's append
 *    failed: an expectedRevision mismatch, an eventId of another customer), the entry is
 *    withdrawn (a CustomerMergeWithdrawn entry), so no id is routed to a survivor whose stream
 *    has no merge; the publisher's retry registers it again (next attempt).
 */
@CommandHandler(RecordInteractionsCommand)
export class RecordInteractionsHandler implements ICommandHandler<RecordInteractionsCommand, RecordOutcome[]> {
  private readonly logger = new Logger(RecordInteractionsHandler.name);

  constructor(
    @Inject(GroupCommit) private readonly groupCommit: GroupCommit,
    @Inject(MergeRegistry) private readonly merges: MergeRegistry,
    @Inject(DataKeys) private readonly keys: DataKeys,
  ) {}

  async execute(command: RecordInteractionsCommand): Promise<RecordOutcome[]> {
    if (!command.events.some((event) => event.type === 'CustomersMerged')) {
      await this.merges.refresh();
      return this.record(command, planRouting(command.events, this.merges.state).routed, []);
    }
    return this.merges.exclusive(async () => {
      await this.merges.refresh();
      const plan = planRouting(command.events, this.merges.state);
      if (plan.refusals.length > 0) throw new CustomerMergeRefusedError(plan.refusals);
      try {
        return await this.record(command, plan.routed, plan.merges);
      } finally {
        await this.merges.refresh().catch((error: unknown) => this.logger.warn(`merge registry not re-read after a merge: ${String(error)}`));
      }
    });
  }

  private async record(command: RecordInteractionsCommand, unsealed: readonly RoutedEvent[], merges: readonly PlannedMerge[]): Promise<RecordOutcome[]> {
    // Personal data sealed under the customer each event is stored as (after routing): nothing leaves in clear.
    const sealed = await sealEvents(unsealed.map((item) => item.event), this.keys);
    // The publish's trace context goes into each event's metadata: the relay and the projector continue its trace.
    const traceparent = currentTraceparent();
    const routed = unsealed.map((item, i) => ({ ...item, event: withTraceparent(sealed[i], traceparent) }));
    const byStream = new Map<string, RoutedEvent[]>();
    for (const item of routed) {
      const streamId = streamIdFor(item.event.customerId);
      const items = byStream.get(streamId);
      if (items === undefined) byStream.set(streamId, [item]);
      else items.push(item);
    }
    const entries: Entry[] = [...byStream].map(([streamId, items]) => ({ streamId, items }));
    const appendOf = (entry: Entry): StreamAppend => ({ streamId: entry.streamId, events: entry.items.map(newEventOf), expectedRevision: command.expectedRevision });
    const registration: StreamAppend | undefined =
      merges.length === 0
        ? undefined
        : { streamId: MERGE_REGISTRY_STREAM, events: merges.map((merge) => this.merges.registration(merge, command.events[merge.index])), expectedRevision: 'any' };
    const outcomes: RecordOutcome[] = new Array(command.events.length);
    /** Why each event that was not stored was not: a single-event command throws it (409/503 via the problem filter). */
    const errors = new Map<number, unknown>();
    const logged = new Set<unknown>();
    const fail = (index: number, eventId: string, streamId: string, error: unknown) => {
      outcomes[index] = failure(index, eventId, streamId, error);
      errors.set(index, error);
      // A batch answers only that the id is taken; where it is stored stays here (a single event: the problem filter logs it).
      if (error instanceof EventIdConflictError && command.events.length > 1 && !logged.has(error)) {
        logged.add(error);
        this.logger.warn(`batch: event-id conflict, ${error.message}`);
      }
    };

    // The registry entry first: its position is below the merge event's, so the head of the log
    // stays a customer event (the projector's lag reads 0 once it has folded the merge).
    const appends = [...(registration === undefined ? [] : [registration]), ...entries.map(appendOf)];
    let stored: StreamAppendOutcome[];
    try {
      stored = await inSpan('store.append', { 'crm.streams': appends.length, 'crm.events': command.events.length }, () => this.groupCommit.append(appends));
    } catch (error) {
      // The whole append failed (not one stream): a single event surfaces it, a batch reports it per event.
      if (command.events.length === 1) throw error;
      this.logger.error('append of a batch failed', error as Error);
      for (const { streamId, items } of entries) for (const { index, event } of items) fail(index, event.eventId, streamId, error);
      return outcomes;
    }
    const registered = registration === undefined ? undefined : stored[0];
    const results = registration === undefined ? stored : stored.slice(1);
    await this.storeRetriesOfPreMergeEvents(entries, results, appendOf);

    results.forEach((outcome, i) => {
      const { streamId, items } = entries[i];
      if (!outcome.ok) {
        for (const { index, event } of items) fail(index, event.eventId, streamId, outcome.error);
        return;
      }
      outcome.result.events.forEach((appended, j) => {
        const { index, publishedCustomerId, event } = items[j];
        outcomes[index] = {
          index,
          eventId: appended.eventId,
          streamId,
          status: appended.duplicate ? 'duplicate' : 'stored',
          streamRevision: appended.revision,
          position: appended.position,
          ...(publishedCustomerId === undefined ? {} : { survivorCustomerId: event.customerId }),
        };
      });
    });

    if (registered !== undefined) {
      if (!registered.ok) {
        // Reported as failed (retriable) even where the merge event was stored (a store that
        // appends the streams separately): the retry stores the entry, the event is a duplicate.
        for (const merge of merges) fail(merge.index, merge.mergeEventId, outcomes[merge.index]?.streamId ?? streamIdFor(merge.survivor), registered.error);
      } else {
        await this.withdrawUnstoredMerges(merges, registered.result.events.map((appended) => appended.duplicate), outcomes, errors);
      }
    }
    if (command.events.length === 1 && errors.has(0)) throw errors.get(0);
    return outcomes;
  }

  /**
   * An event stored for M before M was merged, published again after the merge (a retry), is
   * routed to the survivor's stream, where the store refuses its id: it is in customer-M. Such an
   * event is sent to its original stream instead, where the store answers duplicate with its
   * original place, and the rest of the survivor's append is tried again. Mutates `entries` and
   * `results` (an entry and its outcome per index).
   */
  private async storeRetriesOfPreMergeEvents(entries: Entry[], results: StreamAppendOutcome[], appendOf: (entry: Entry) => StreamAppend): Promise<void> {
    for (let round = 0; round < MAX_PRE_MERGE_ROUNDS; round++) {
      const targets: number[] = [];
      const initial = results.length;
      for (let at = 0; at < initial; at++) {
        const outcome = results[at];
        if (outcome.ok || !(outcome.error instanceof EventIdConflictError)) continue;
        const { eventId, existingStreamId } = outcome.error;
        const pinned = entries[at].items.find(
          (item) => item.event.eventId === eventId && item.publishedCustomerId !== undefined && streamIdFor(item.publishedCustomerId) === existingStreamId,
        );
        if (pinned === undefined) continue;
        const original: Entry = { streamId: existingStreamId, items: [{ index: pinned.index, event: { ...pinned.event, customerId: pinned.publishedCustomerId as string } }] };
        const rest = entries[at].items.filter((item) => item !== pinned);
        if (rest.length > 0) {
          entries[at] = { streamId: entries[at].streamId, items: rest };
          targets.push(at);
          entries.push(original);
          results.push(outcome); // replaced below
          targets.push(entries.length - 1);
        } else {
          entries[at] = original;
          targets.push(at);
        }
      }
      if (targets.length === 0) return;
      // Ordered as `targets`: a rest before its pinned event, so both land where they belong.
      const ordered = targets.map((target) => appendOf(entries[target]));
      const again = await this.groupCommit.append(ordered);
      again.forEach((outcome, k) => (results[targets[k]] = outcome));
    }
  }

  /** Withdraws the registry entries stored by this command whose merge event was not stored. */
  private async withdrawUnstoredMerges(merges: readonly PlannedMerge[], duplicate: readonly boolean[], outcomes: readonly RecordOutcome[], errors: ReadonlyMap<number, unknown>): Promise<void> {
    const withdrawals: NewEvent[] = [];
    merges.forEach((merge, j) => {
      const status = outcomes[merge.index]?.status;
      if (duplicate[j] === false && (status === 'conflict' || status === 'failed')) {
        const error = errors.get(merge.index);
        withdrawals.push(this.merges.withdrawal(merge, error instanceof Error ? error.message : 'the merge event was not stored'));
      }
    });
    if (withdrawals.length === 0) return;
    try {
      const [outcome] = await this.groupCommit.append([{ streamId: MERGE_REGISTRY_STREAM, events: withdrawals, expectedRevision: 'any' }]);
      if (!outcome.ok) throw outcome.error;
    } catch (error) {
      // The registry keeps an entry with no merge event until the publisher's retry stores the event.
      this.logger.error(`merge registry: ${withdrawals.length} withdrawal(s) not stored (${String(error)})`);
    }
  }
}

/** Rounds of re-routing retries of events stored before their customer was merged (one event each per stream and round). */
const MAX_PRE_MERGE_ROUNDS = 16;

/**
 * The outcome of an event not stored. An eventId conflict names no other stream (another
 * customer's): the event whose id is taken is told so, the others of its customer's append that
 * they were not stored with it.
 */
function failure(index: number, eventId: string, streamId: string, error: unknown): RecordOutcome {
  const conflict = error instanceof WrongExpectedRevisionError || error instanceof EventIdConflictError;
  const detail =
    error instanceof EventIdConflictError
      ? error.eventId === eventId
        ? eventIdConflictDetail(eventId)
        : `Not stored: stored together with the other events of this customer in the request, and the eventId ${error.eventId} among them is already used by another event.`
      : error instanceof EventStoreError
        ? error.message
        : 'the event store failed; retry with the same eventId';
  return {
    index,
    eventId,
    streamId,
    status: conflict ? 'conflict' : 'failed',
    error: {
      title: conflict ? 'Conflict' : 'Not stored',
      detail,
      retriable: error instanceof EventStoreError ? error.retriable : true,
    },
  };
}

