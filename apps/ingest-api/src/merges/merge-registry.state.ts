import type { RecordedEvent } from '@crm/event-store';
import { uuidV5 } from './uuid-v5';

/**
 * The merge registry: a stream outside the customer prefix (`customer-`), so no reader of the
 * customer streams (projector, relay, rebuild: readAll / subscribeToAll with streamPrefix
 * 'customer-') ever sees it. One entry per merge the ingest accepted, in the order accepted,
 * and a withdrawal when the merge event itself could not be stored in the survivor's stream.
 */
export const MERGE_REGISTRY_STREAM = 'crm-merges';
export const MERGE_REGISTERED = 'CustomerMergeRegistered';
export const MERGE_WITHDRAWN = 'CustomerMergeWithdrawn';

/** Namespace of the registry's event ids (UUID v5 of the merge's eventId): a retried publish writes the same ids. */
export const MERGE_REGISTRY_NAMESPACE = '6f1c3a7e-2b0d-4e55-9a61-3c2f8e4d7b90';

/** `data` of a CustomerMergeRegistered / CustomerMergeWithdrawn entry. */
export interface MergeRegistryEntryData {
  /** The id merged away. */
  mergedCustomerId: string;
  /** The survivor the merge named (the merge event's customerId; its stream holds the merge event). */
  survivorCustomerId: string;
  /** The CustomersMerged event's eventId. */
  mergeEventId: string;
  /** 0, then 1, 2, … for a merge published again after a withdrawn attempt. */
  attempt: number;
  /** Withdrawals: why the merge event was not stored. */
  reason?: string;
}

export const registeredEntryId = (mergeEventId: string, attempt: number): string => uuidV5(`registered:${mergeEventId}:${attempt}`, MERGE_REGISTRY_NAMESPACE);
export const withdrawnEntryId = (mergeEventId: string, attempt: number): string => uuidV5(`withdrawn:${mergeEventId}:${attempt}`, MERGE_REGISTRY_NAMESPACE);

export interface MergeRecord {
  merged: string;
  survivor: string;
  mergeEventId: string;
  attempt: number;
}

/** What routing needs of the registry. */
export interface MergeLookup {
  /** The survivor `id` was merged into directly (one step), or undefined when it is not merged. */
  directSurvivorOf(id: string): string | undefined;
  /** The active (not withdrawn) merge the CustomersMerged event `eventId` registered. */
  mergeOfEvent(eventId: string): MergeRecord | undefined;
  /** The attempt number a new registration of the merge event `eventId` takes. */
  nextAttemptOf(eventId: string): number;
}

/** Longest chain M → S → T … followed; chains are acyclic by construction, this only bounds a corrupt registry. */
const MAX_CHAIN = 10_000;

/** The registry folded: merged id → survivor. Pure; MergeRegistry keeps it up to date from the stream. */
export class MergeRegistryState implements MergeLookup {
  private readonly direct = new Map<string, MergeRecord>();
  private readonly activeByEvent = new Map<string, MergeRecord>();
  private readonly attemptsByEvent = new Map<string, number>();
  /** Entries passed by (a conflicting merge registered by another instance at the same time); for the logs. */
  readonly ignored: { entryId: string; why: string }[] = [];

  get size(): number {
    return this.direct.size;
  }

  directSurvivorOf(id: string): string | undefined {
    return this.direct.get(id)?.survivor;
  }

  mergeOfEvent(eventId: string): MergeRecord | undefined {
    return this.activeByEvent.get(eventId);
  }

  nextAttemptOf(eventId: string): number {
    return this.attemptsByEvent.get(eventId) ?? 0;
  }

  /** The current survivor of `id` (itself when not merged), chains followed: M→S, S→T gives T. */
  survivorOf(id: string): string {
    return resolveSurvivor(id, (x) => this.directSurvivorOf(x));
  }

  /** `survivor` and every id merged into it, directly or along a chain (its own first, then in no set order). */
  identitiesOf(survivor: string): string[] {
    const ids = [survivor];
    for (const merged of this.direct.keys()) if (merged !== survivor && this.survivorOf(merged) === survivor) ids.push(merged);
    return ids;
  }

  /**
   * Applies one registry entry. The registry is applied in its order and the first entry wins:
   * a registration that would merge an id already merged, or close a cycle (two ingest instances
   * accepting conflicting merges at the same instant), is passed by (and noted in `ignored`).
   */
  apply(entry: Pick<RecordedEvent, 'eventId' | 'type' | 'data'>): void {
    const data = entry.data as MergeRegistryEntryData;
    if (entry.type === MERGE_REGISTERED) {
      const record: MergeRecord = { merged: data.mergedCustomerId, survivor: data.survivorCustomerId, mergeEventId: data.mergeEventId, attempt: data.attempt };
      this.attemptsByEvent.set(record.mergeEventId, Math.max(this.nextAttemptOf(record.mergeEventId), record.attempt + 1));
      if (this.direct.has(record.merged)) {
        this.ignored.push({ entryId: entry.eventId, why: `${record.merged} is already merged into ${this.survivorOf(record.merged)}` });
        return;
      }
      if (this.survivorOf(record.survivor) === record.merged || record.survivor === record.merged) {
        this.ignored.push({ entryId: entry.eventId, why: `merging ${record.merged} into ${record.survivor} would close a cycle` });
        return;
      }
      this.direct.set(record.merged, record);
      this.activeByEvent.set(record.mergeEventId, record);
    } else if (entry.type === MERGE_WITHDRAWN) {
      const active = this.activeByEvent.get(data.mergeEventId);
      if (active === undefined || active.attempt !== data.attempt) return;
      this.activeByEvent.delete(data.mergeEventId);
      if (this.direct.get(active.merged) === active) this.direct.delete(active.merged);
    }
  }
}

/** Follows `step` from `id` to the end of its chain. */
export function resolveSurvivor(id: string, step: (id: string) => string | undefined): string {
  let current = id;
  for (let i = 0; i < MAX_CHAIN; i++) {
    const next = step(current);
    if (next === undefined) return current;
    current = next;
  }
  throw new Error(`the merge chain from ${id} is longer than ${MAX_CHAIN} (a cycle in the merge registry?)`);
}
