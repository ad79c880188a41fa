import type { StoredInteractionEvent } from '@crm/contracts';
import { EventStore } from '@crm/event-store';
import type { ReadStore } from '@crm/read-store';
import type { CustomerProjection } from './customer-projection';
import { ViewWritersLease } from './view-writers-lease';
import { FailedEvent, ProjectedView, customerHistory, viewRecord } from './projection-runner';

/**
 * Dead letters of the fold: events the view function threw on, skipped so the rest could go on
 * (ProjectionRunnerOptions.onFailed). They stay in the customer's stream, so once the cause is
 * fixed (a new upcaster, a policy fix) a redrive folds the customer's stream again: the event
 * now folds in as a late event, and the view is exactly what it would have been had it never
 * failed. Kept as read-store documents in both modes (the Kafka DLQ topic also carries the
 * messages that could not even be parsed; their events are in the store too, and the DLQ
 * redrive of apps/platform, kafka-dead-letters.ts, folds them in through redriveEvents).
 */
export const DEAD_LETTER_PREFIX = 'dead-letter:';

export interface DeadLetter {
  eventId: string;
  customerId: string;
  type: string;
  position: number;
  occurredAt: string;
  reason: string;
  /** When the projector skipped it (wall clock of the projector). */
  deadLetteredAt: string;
  status: 'pending' | 'redriven';
  /** Last redrive attempt: when, and the error if the event still failed. */
  redrive?: { at: string; error: string | null };
}

/** Sortable by position: dead-letter:0000000000000042. */
const nameOf = (position: number) => `${DEAD_LETTER_PREFIX}${String(position).padStart(16, '0')}`;

const describe = (error: Error) => `${error.name}: ${error.message}`.slice(0, 2000);

/** Records failures not recorded yet (a redelivered batch fails the same events again: kept once). */
export async function recordDeadLetters(readStore: ReadStore, failures: readonly FailedEvent[], now: () => Date = () => new Date()): Promise<void> {
  if (failures.length === 0) return;
  const byName = new Map(failures.map((f) => [nameOf(f.event.position), f]));
  const existing = await readStore.getDocuments([...byName.keys()]);
  const writes = [...byName]
    .filter(([name]) => !existing.has(name))
    .map(([name, { event, error }]) => ({
      name,
      expectedVersion: 0,
      value: {
        eventId: event.eventId,
        customerId: event.customerId,
        type: event.type,
        position: event.position,
        occurredAt: event.occurredAt,
        reason: describe(error),
        deadLetteredAt: now().toISOString(),
        status: 'pending',
      } satisfies DeadLetter,
    }));
  if (writes.length === 0) return;
  try {
    await readStore.putDocuments(writes);
  } catch (error) {
    if (!(error as { retriable?: boolean }).retriable) throw error;
    // Another instance recorded one of them meanwhile (a rebalance): the others one by one.
    for (const write of writes) {
      try {
        await readStore.putDocuments([write]);
      } catch (each) {
        if (!(each as { retriable?: boolean }).retriable) throw each;
      }
    }
  }
}

/** Every dead letter, by position. */
export async function listDeadLetters(readStore: ReadStore): Promise<DeadLetter[]> {
  const names: string[] = [];
  for (let after: string | undefined; ; ) {
    const page = await readStore.listDocumentNames(DEAD_LETTER_PREFIX, { after, limit: 500 });
    names.push(...page.names);
    if (page.nextCursor === null) break;
    after = page.nextCursor;
  }
  const documents = await readStore.getDocuments<DeadLetter>(names);
  return names.map((name) => documents.get(name)?.value).filter((d): d is DeadLetter => d !== undefined);
}

/** For /health: how many wait for a redrive, and since when. */
export async function deadLetterSummary(readStore: ReadStore, now: () => number = Date.now): Promise<{ pending: number; redriven: number; oldestPendingAgeSec: number | null }> {
  const letters = await listDeadLetters(readStore);
  const pending = letters.filter((l) => l.status === 'pending');
  const oldest = pending.reduce<number | null>((min, l) => (min === null || Date.parse(l.deadLetteredAt) < min ? Date.parse(l.deadLetteredAt) : min), null);
  return { pending: pending.length, redriven: letters.length - pending.length, oldestPendingAgeSec: oldest === null ? null : Math.max(0, Math.round((now() - oldest) / 1000)) };
}

export interface RedriveResult {
  /** Folded in: the customer's view now includes them. */
  redriven: string[];
  /** Still failing (the error recorded on the letter). */
  failing: { eventId: string; error: string }[];
  /** Customers whose views were written (a view the projector has moved past meanwhile is left to it). */
  customers: number;
}

/**
 * Redrives pending dead letters (all, or those of `eventIds`): their customers folded again from
 * their streams (redriveEvents), each letter marked redriven or left pending with its new error.
 */
export async function redriveDeadLetters(
  readStore: ReadStore,
  eventStore: EventStore,
  projection: CustomerProjection,
  { eventIds, now = () => new Date() }: { eventIds?: readonly string[]; now?: () => Date } = {},
): Promise<RedriveResult> {
  const wanted = eventIds === undefined ? null : new Set(eventIds);
  const letters = (await listDeadLetters(readStore)).filter((l) => l.status === 'pending' && (wanted === null || wanted.has(l.eventId)));
  return redriveEvents(readStore, eventStore, projection, letters, { now });
}

/** An event to fold in again: its customer's stream holds it at `position`. */
export interface RedriveTarget {
  eventId: string;
  customerId: string;
  position: number;
}

/**
 * Folds in again events that never made it into their customers' views (the fold threw on them,
 * or, in Kafka mode, their message could not be parsed): each customer concerned is folded again
 * from its stream, event by event in position order as the projector does (a late event reads the
 * history before it), up to its stored view's position or the targets' if later, and the view
 * written at that position (the stale-writer guard keeps a view the projector moved on meanwhile;
 * the projector folds the redriven event into its next events anyway, since it is in the stream).
 * The pass announces itself like a population pass, so a projector holding views in memory drops
 * them. A target with a dead letter in the read store (the same position) has it marked redriven,
 * or its new error recorded.
 */
export async function redriveEvents(
  readStore: ReadStore,
  eventStore: EventStore,
  projection: CustomerProjection,
  targets: readonly RedriveTarget[],
  { now = () => new Date() }: { now?: () => Date } = {},
): Promise<RedriveResult> {
  const byCustomer = new Map<string, RedriveTarget[]>();
  for (const target of targets) byCustomer.set(target.customerId, [...(byCustomer.get(target.customerId) ?? []), target]);
  const result: RedriveResult = { redriven: [], failing: [], customers: 0 };
  if (targets.length === 0) return result;
  const lease = new ViewWritersLease(readStore);
  await lease.acquire();
  try {
    for (const [customerId, ofCustomer] of byCustomer) {
      await lease.renew();
      const stored = await readStore.getView<ProjectedView>(customerId);
      // The view's position does not move past a last event that failed: read up to the targets too.
      const upTo = Math.max(stored?.position ?? -1, ...ofCustomer.map((t) => t.position));
      const failed = new Map<string, Error>();
      let state = projection.initial(customerId);
      let position = -1;
      const events: readonly StoredInteractionEvent[] = await customerHistory(eventStore, customerId, upTo)();
      for (const event of events) {
        try {
          // A step that throws may leave the view half-changed: keep the one from before it (a copy).
          const next = await projection.evolve(structuredClone(state), event, async () => events.filter((e) => e.position < event.position));
          state = next;
          position = event.position;
        } catch (error) {
          failed.set(event.eventId, error instanceof Error ? error : new Error(String(error)));
        }
      }
      if (position >= 0) {
        // Every event read is reflected (folded, or skipped because it still fails): the revision of the last.
        const revision = events[events.length - 1].revision;
        await readStore.commit({ views: [viewRecord(projection, customerId, Math.max(position, stored?.position ?? -1), state, stored?.view.segment, revision)] });
        result.customers++;
      }
      const at = now().toISOString();
      const read = new Set(events.map((e) => e.eventId));
      for (const target of ofCustomer) {
        const error = read.has(target.eventId) ? failed.get(target.eventId) : new Error(`event ${target.eventId} is not in the stream of ${customerId}`);
        if (error) result.failing.push({ eventId: target.eventId, error: describe(error) });
        else result.redriven.push(target.eventId);
        const name = nameOf(target.position);
        const current = (await readStore.getDocuments<DeadLetter>([name])).get(name);
        if (!current || current.value.eventId !== target.eventId || current.value.status !== 'pending') continue;
        const value: DeadLetter = error
          ? { ...current.value, redrive: { at, error: describe(error) } }
          : { ...current.value, status: 'redriven', redrive: { at, error: null } };
        await readStore.putDocuments([{ name, expectedVersion: current.version, value }]);
      }
    }
  } finally {
    await lease.release();
  }
  return result;
}
