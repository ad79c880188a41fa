import type { StoredInteractionEvent } from '@crm/contracts';
import { CUSTOMER_STREAM_PREFIX, addressedTo, streamIdFor } from '@crm/contracts';
import { CatchUpLoop, EventStore, StreamNotFoundError, toStoredInteractionEvent } from '@crm/event-store';
import { ReadStore, ViewRecord } from '@crm/read-store';
import { CustomerProjection, HistoryLoader } from './customer-projection';

/** The events of a customer's stream that `keep` accepts, in stream order; none for a stream that does not exist. */
async function streamEventsOf(eventStore: EventStore, customerId: string, keep: (event: StoredInteractionEvent) => boolean): Promise<StoredInteractionEvent[]> {
  const events: StoredInteractionEvent[] = [];
  try {
    for await (const recorded of eventStore.readStream(streamIdFor(customerId))) {
      const event = toStoredInteractionEvent(recorded);
      if (keep(event)) events.push(event);
    }
  } catch (error) {
    if (!(error instanceof StreamNotFoundError)) throw error;
  }
  return events;
}

/**
 * The history of a customer's view from the event store: the customer's stream, up to and
 * including global position `upTo` (the view's position: the events it reflects), with the
 * streams of the customers merged into it (`merged`, ProjectedView.merged) in position order.
 * The streams are read only when the loader is called.
 */
export function customerHistory(eventStore: EventStore, customerId: string, upTo: number, merged: readonly string[] = []): HistoryLoader {
  if (merged.length === 0) return () => streamEventsOf(eventStore, customerId, (event) => event.position <= upTo);
  return () => unionOf(eventStore, customerId, merged, upTo);
}

/**
 * The events of the survivor's stream and of the streams merged into it up to `upTo`, in global
 * position order, every one addressed to the survivor (its view folds them as its own; a stream
 * that does not exist has none).
 */
async function unionOf(eventStore: EventStore, survivorId: string, merged: readonly string[], upTo: number): Promise<StoredInteractionEvent[]> {
  const events: StoredInteractionEvent[] = [];
  for (const id of new Set([survivorId, ...merged])) {
    for (const event of await streamEventsOf(eventStore, id, (e) => e.position <= upTo)) events.push(addressedTo(event, survivorId));
  }
  return events.sort((a, b) => a.position - b.position);
}

/** The history of a stored view: its customer's stream and the streams merged into it, up to its position. */
export function historyOfRecord(eventStore: EventStore, record: ViewRecord<ProjectedView>): HistoryLoader {
  return customerHistory(eventStore, record.customerId, record.position, record.view.merged);
}

/** The event that merges a customer into another (in the survivor's stream; data.mergedCustomerId). */
export const CUSTOMERS_MERGED = 'CustomersMerged';

/** Whether the event merges another customer into this one. */
export function isMerge(event: StoredInteractionEvent): boolean {
  return (event.type as string) === CUSTOMERS_MERGED;
}

/** An event for a customer merged into another (it raced the merge at ingest): it has no view of its own to fold into. */
export class CustomerMergedError extends Error {
  constructor(
    readonly customerId: string,
    readonly survivorId: string,
  ) {
    super(`customer ${customerId} was merged into ${survivorId}: publish its events under ${survivorId}`);
    this.name = 'CustomerMergedError';
  }
}

/**
 * The customer's events the platform had recorded by `knownAtMs` (their `recordedAt`), from its
 * stream and the streams of the customers merged into it by then (a merge recorded later was not
 * known), in position order, all addressed to the customer: what a known-at (bitemporal) view
 * folds. Late events recorded after it are left out.
 */
export async function customerEventsKnownAt(eventStore: EventStore, customerId: string, knownAtMs: number): Promise<StoredInteractionEvent[]> {
  const events: StoredInteractionEvent[] = [];
  const pending = [customerId];
  for (const seen = new Set<string>(); pending.length > 0; ) {
    const next = pending.pop() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    const own = await streamEventsOf(eventStore, next, (event) => Date.parse(event.recordedAt) <= knownAtMs);
    events.push(...own.map((e) => addressedTo(e, customerId)));
    for (const event of own) {
      const merged = isMerge(event) ? mergedIdOf(event) : null;
      if (merged) pending.push(merged);
    }
  }
  return events.sort((a, b) => a.position - b.position);
}

/** The customer a CustomersMerged event merges into its survivor, or null when the event does not name another one. */
function mergedIdOf(event: StoredInteractionEvent): string | null {
  const id = (event.data as { mergedCustomerId?: unknown }).mergedCustomerId;
  return typeof id === 'string' && id !== '' && id !== event.customerId ? id : null;
}

/**
 * The stored record of a customer's view at `position`: the projection's indexes, and the
 * population segment carried over (the tier is an index too). The runner and a redrive write the same.
 */
export function viewRecord<V>(
  projection: CustomerProjection<V>,
  customerId: string,
  position: number,
  state: V,
  segment: ViewSegment | undefined,
  revision?: number,
  merged?: readonly string[],
): ViewRecord<ProjectedView<V>> {
  return {
    customerId,
    position,
    indexes: { ...projection.indexes(state), ...(segment ? { tier: segment.tier } : {}) },
    view: {
      projectionVersion: projection.version,
      ...(revision === undefined ? {} : { revision }),
      ...(merged && merged.length > 0 ? { merged: [...merged] } : {}),
      state,
      ...(segment ? { segment } : {}),
    },
  };
}

export interface ProjectionRunnerOptions {
  /** Events folded per read-store commit. @defaultValue 500 */
  batchSize?: number;
  /** How long a partly filled batch waits for more events before it is committed. @defaultValue 5 */
  flushAfterMs?: number;
  /** Called after each committed batch (the embedded mode publishes change notifications here). */
  onCommit?: (result: BatchResult) => void | Promise<void>;
  /**
   * Called for an event the view function failed on; the event is skipped (the view from before
   * it is kept). It stays in the customer's stream: a later re-fold from there skips it by the
   * same rule (CustomerProjection.evolve), so it is reported once, when it arrives.
   */
  onFailed?: (failure: FailedEvent) => void;
  /**
   * Runs before the views are committed with the events that were folded (e.g. the
   * call-centre measures). It must be idempotent: after a crash the same events come again.
   */
  beforeCommit?: (applied: readonly StoredInteractionEvent[], source: BatchSource, target: { readStore: ReadStore; projection: CustomerProjection }) => Promise<void>;
  /**
   * Where a customer's history comes from (its events up to a position) when the projection
   * re-folds it. @defaultValue the customer's stream in the runner's event store (customerHistory)
   */
  history?: (customerId: string, upTo: number, merged?: readonly string[]) => HistoryLoader;
  /**
   * Write-back mode, for a runner that is the only writer of its views (`npm run rebuild`): the
   * views stay in memory, in a map bounded to `maxViews` customers (least recently touched
   * evicted first), a view is loaded from the read store only on a miss, and it is written back
   * only when it is evicted and on `flush()`. The checkpoint is committed only by `flush()`,
   * with the last of the dirty views, so it is never ahead of what is stored. The views a
   * BatchResult lists are folded, not yet stored. @defaultValue off (each batch loads and commits)
   */
  writeBack?: { maxViews: number };
  /**
   * Owned mode, for the projector (the only writer of its customers' views while it holds their
   * partition, or the log in embedded mode): the views it folded stay in memory, in a map bounded
   * to `maxViews` customers (least recently folded evicted first), so a batch loads from the read
   * store only the customers it does not hold. Every batch still commits each changed view, once,
   * with the checkpoint (write-through: the store is never behind what was folded). The views
   * held are dropped when `dropOwnedViews()` is called (the partitions may have moved), when a
   * write fails, and whenever `otherWriters` says someone else writes views (a population pass,
   * a dead-letter redrive: view-writers-lease.ts): while they do, every batch reads from the
   * store as without this mode.
   * @defaultValue off
   */
  owned?: { maxViews: number; otherWriters?: () => Promise<OtherWriters> };
  /**
   * The store and projection to fold into, asked before every batch (the generation being served,
   * ServingGeneration.pin): when `generation` changes, the runner waits for the batches in flight,
   * drops the views it holds and folds every later batch into the new one.
   * @defaultValue the constructor's store and projection, always
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the runner's own view type, which the options cannot name
  follow?: () => { generation: number; readStore: ReadStore; projection: CustomerProjection<any> };
}

/**
 * Whether views are written by someone besides the projector (the population pass writes their
 * segments, a redrive re-folded views), checked before each batch in owned mode: `token` changes with every start and end
 * of such writes (the views held are then dropped), `active` while they run (none are held).
 */
export interface OtherWriters {
  token: number;
  active: boolean;
}

/**
 * Where a batch came from: the embedded log (one source) or one Kafka partition. Shared
 * aggregates are sharded by it, so concurrent projector instances never contend for them.
 */
export interface BatchSource {
  shard: string;
}

/** Per-customer results of the latest population pass (tier, lifetime value), kept across events. */
export interface ViewSegment {
  asOf: string;
  tier: string;
  [more: string]: unknown;
}

/** The stored view: the projection's view plus the projection version that produced it. */
export interface ProjectedView<V = unknown> {
  projectionVersion: string;
  /**
   * Revision (in the customer's stream) of the last event folded. An event further on means the
   * view misses events (another writer stored it, e.g. during a blue-green switch): the missing
   * ones are folded first, from the stream. Absent in views stored before it was recorded.
   */
  revision?: number;
  /** The customers merged into this one (CustomersMerged): their streams are part of its history. */
  merged?: string[];
  /**
   * Set on the view of a customer merged into another: where its history went. The state is the
   * one it had then; lists and the population pass leave it out, GET answers with a pointer.
   */
  mergedInto?: MergedInto;
  state: V;
  segment?: ViewSegment;
}

export interface MergedInto {
  customerId: string;
  /** The merge event: its id, when it happened, its position. */
  eventId: string;
  occurredAt: string;
  position: number;
}

/** A change of an indexed value (lifecycle stage, trust stage, tier, …) and the event that caused it. */
export interface IndexChange {
  customerId: string;
  key: string;
  from: string | null;
  to: string | null;
  eventId: string;
  eventType: string;
  occurredAt: string;
  position: number;
}

export interface FailedEvent {
  event: StoredInteractionEvent;
  error: Error;
}

export interface BatchResult {
  applied: number;
  skipped: number;
  checkpoint: number | null;
  views: ViewRecord<ProjectedView>[];
  changes: IndexChange[];
  failed: FailedEvent[];
  /** How long the batch took to fold (views loaded, events applied) and to commit, in ms (0 when write-back defers the commit). */
  timings?: { foldMs: number; commitMs: number };
  /** When the store recorded the batch's last event (the projector's lag in seconds is measured from it). */
  lastRecordedAt?: string;
  /** The events folded in (for the traces of their publish). */
  appliedEvents?: readonly StoredInteractionEvent[];
}

/**
 * Folds the global log into views. Exactly-once effect without distributed transactions:
 * each view records the position of the last event folded into it and events at or below
 * it are skipped, and views and checkpoint are committed together. So a crash anywhere
 * replays from the last checkpoint and the replayed events change nothing twice.
 */
export class ProjectionRunner<V> {
  private readonly loop: CatchUpLoop;
  private checkpoint = -1;
  /** Write-back mode: the views in memory, least recently touched first, and the ids not yet stored. */
  private readonly cache = new Map<string, ViewRecord<ProjectedView<V>>>();
  private readonly dirty = new Set<string>();
  /** Write-back mode: the checkpoint of the last folded batch, committed by flush(). */
  private pendingCheckpoint: number | null = null;
  /** Owned mode: bumped whenever the views held are dropped, so a batch folded before it does not put its views back. */
  private ownedGeneration = 0;
  private otherWritersToken: number | null = null;
  /** follow: the generation folded into, the batches in flight, a switch waiting for them. */
  private generation: number | null = null;
  private inFlight = 0;
  private switching: Promise<void> | null = null;

  constructor(
    private readonly eventStore: EventStore,
    private readStore: ReadStore,
    private projection: CustomerProjection<V>,
    private readonly options: ProjectionRunnerOptions = {},
  ) {
    for (const [mode, bound] of [['writeBack', options.writeBack], ['owned', options.owned]] as const) {
      if (bound && !(Number.isSafeInteger(bound.maxViews) && bound.maxViews >= 1)) throw new RangeError(`${mode}.maxViews must be a positive integer, got ${bound.maxViews}`);
    }
    if (options.writeBack && options.owned) throw new RangeError('writeBack and owned are two modes: choose one');
    this.loop = new CatchUpLoop(eventStore, { streamPrefix: CUSTOMER_STREAM_PREFIX, batchSize: options.batchSize, flushAfterMs: options.flushAfterMs });
  }

  get checkpointName(): string {
    return this.projection.name;
  }

  /** The projection's downstream form of a view. */
  present(state: unknown): unknown {
    return this.projection.present(state as V);
  }

  /** Position of the last committed event (-1 before the first). */
  get position(): number {
    return this.checkpoint;
  }

  /**
   * Folds one batch of events (in global order per customer) and commits views and, unless
   * `checkpoint` is null (Kafka keeps its own offsets), the checkpoint, atomically.
   */
  async applyBatch(events: readonly StoredInteractionEvent[], checkpoint?: number | null, source: BatchSource = { shard: 'log' }): Promise<BatchResult> {
    await this.followGeneration();
    this.inFlight++;
    try {
      return await this.foldAndCommit(events, checkpoint, source);
    } finally {
      this.inFlight--;
    }
  }

  /** follow: moves to the generation being served between batches (none in flight), dropping the views held. */
  private async followGeneration(): Promise<void> {
    const follow = this.options.follow;
    if (!follow) return;
    while (this.switching) await this.switching;
    const target = follow();
    if (target.generation === this.generation) return;
    this.switching = (async () => {
      while (this.inFlight > 0) await new Promise((resolve) => setTimeout(resolve, 1));
      ({ readStore: this.readStore, projection: this.projection } = target);
      this.generation = target.generation;
      this.dropOwnedViews();
    })().finally(() => (this.switching = null));
    await this.switching;
  }

  private async foldAndCommit(events: readonly StoredInteractionEvent[], checkpoint: number | null | undefined, source: BatchSource): Promise<BatchResult> {
    const started = performance.now();
    const ids = [...new Set(events.map((e) => e.customerId))];
    const owning = this.options.owned ? await this.mayHoldViews() : false;
    const generation = this.ownedGeneration;
    const existing = this.options.writeBack || owning ? await this.cached(ids, owning) : await this.readStore.getViews<ProjectedView<V>>(ids);
    const changed = new Map<string, ViewRecord<ProjectedView<V>>>();
    const appliedByCustomer = new Map<string, StoredInteractionEvent[]>();
    const changes: IndexChange[] = [];
    const failed: FailedEvent[] = [];
    const applied: StoredInteractionEvent[] = [];
    let skipped = 0;
    for (const event of events) {
      const current = changed.get(event.customerId) ?? existing.get(event.customerId);
      if (current && event.position <= current.position) {
        skipped++;
        continue;
      }
      let next: ViewRecord<ProjectedView<V>>;
      try {
        if (current?.view.mergedInto) throw new CustomerMergedError(event.customerId, current.view.mergedInto.customerId);
        if (isMerge(event)) {
          const merge = await this.foldMerge(current, event, changed, existing);
          changes.push(...diffIndexes(merge.mergedBefore?.indexes ?? {}, merge.pointer.indexes, { ...event, customerId: merge.pointer.customerId } as StoredInteractionEvent));
          changed.set(merge.pointer.customerId, merge.pointer);
          next = merge.survivor;
        } else {
          const base = missesEvents(current, event) ? await this.foldMissing(event.customerId, current, event) : current;
          const folded = this.fold(event.customerId, base, event);
          next = folded instanceof Promise ? await folded : folded;
        }
      } catch (error) {
        failed.push({ event, error: error instanceof Error ? error : new Error(String(error)) });
        this.options.onFailed?.(failed[failed.length - 1]);
        // evolve may have changed the view in place before it threw: start again from the stored one.
        await this.restore(event.customerId, existing, changed, appliedByCustomer.get(event.customerId) ?? []);
        continue;
      }
      changes.push(...diffIndexes(current?.indexes ?? {}, next.indexes, event));
      changed.set(event.customerId, next);
      applied.push(event);
      const appliedOfCustomer = appliedByCustomer.get(event.customerId);
      if (appliedOfCustomer) appliedOfCustomer.push(event);
      else appliedByCustomer.set(event.customerId, [event]);
    }
    await this.options.beforeCommit?.(applied, source, { readStore: this.readStore, projection: this.projection });
    const folded = performance.now();
    const last = checkpoint === null ? null : (checkpoint ?? (events.length > 0 ? events[events.length - 1].position : (this.pendingCheckpoint ?? this.checkpoint)));
    const views = [...changed.values()];
    if (this.options.writeBack) {
      for (const record of views) {
        this.cache.delete(record.customerId);
        this.cache.set(record.customerId, record);
        this.dirty.add(record.customerId);
      }
      if (last !== null) this.pendingCheckpoint = last;
      await this.evict(this.options.writeBack.maxViews);
      const result: BatchResult = { applied: applied.length, skipped, checkpoint: last, views: views as ViewRecord<ProjectedView>[], changes, failed, timings: { foldMs: folded - started, commitMs: 0 }, lastRecordedAt: events.at(-1)?.recordedAt, appliedEvents: applied };
      await this.options.onCommit?.(result);
      return result;
    }
    try {
      await this.readStore.commit({ views, checkpoint: last === null ? undefined : { name: this.checkpointName, position: last } });
    } catch (error) {
      // The views held were folded in place: what the store has is the truth again.
      if (this.options.owned) this.dropOwnedViews();
      throw error;
    }
    if (last !== null) this.checkpoint = last;
    if (owning && generation === this.ownedGeneration) this.hold(views, this.options.owned!.maxViews);
    const result: BatchResult = {
      applied: applied.length,
      skipped,
      checkpoint: last,
      views: views as ViewRecord<ProjectedView>[],
      changes,
      failed,
      timings: { foldMs: folded - started, commitMs: performance.now() - folded },
      lastRecordedAt: events.at(-1)?.recordedAt,
      appliedEvents: applied,
    };
    await this.options.onCommit?.(result);
    return result;
  }

  /**
   * Write-back mode: writes every view not yet stored, in batches through the same commit as
   * applyBatch (indexes, stale-writer guard), the last batch with the checkpoint of the last
   * folded batch. Only here does the checkpoint move: a crash before it leaves the stored
   * checkpoint behind the stored views, which the position guard makes harmless (and the
   * rebuild, the mode's user, clears the read store and starts from scratch anyway).
   */
  async flush(): Promise<void> {
    const ids = [...this.dirty];
    const checkpoint = this.pendingCheckpoint;
    if (ids.length === 0 && checkpoint !== null) await this.readStore.commit({ views: [], checkpoint: { name: this.checkpointName, position: checkpoint } });
    for (let start = 0; start < ids.length; start += WRITE_BACK_COMMIT) {
      const chunk = ids.slice(start, start + WRITE_BACK_COMMIT);
      const lastChunk = start + WRITE_BACK_COMMIT >= ids.length;
      const views = chunk.map((id) => this.cache.get(id) as ViewRecord<ProjectedView<V>>);
      await this.readStore.commit({ views, checkpoint: lastChunk && checkpoint !== null ? { name: this.checkpointName, position: checkpoint } : undefined });
      for (const id of chunk) this.dirty.delete(id);
    }
    if (checkpoint !== null) this.checkpoint = checkpoint;
    this.pendingCheckpoint = null;
  }

  /**
   * Write-back and owned mode: the views of `ids` from memory, the misses loaded from the read
   * store (kept at once in write-back mode; in owned mode only once their batch is committed).
   */
  private async cached(ids: readonly string[], owning = false): Promise<Map<string, ViewRecord<ProjectedView<V>>>> {
    const found = new Map<string, ViewRecord<ProjectedView<V>>>();
    const misses: string[] = [];
    for (const id of ids) {
      const record = this.cache.get(id);
      if (record) found.set(id, record);
      else misses.push(id);
    }
    if (misses.length > 0) {
      for (const [id, record] of await this.readStore.getViews<ProjectedView<V>>(misses)) {
        found.set(id, record);
        if (!owning) this.cache.set(id, record);
      }
    }
    return found;
  }

  /** Owned mode: drops every view held (the next batches load theirs from the read store). Call it when partitions may have moved. */
  dropOwnedViews(): void {
    this.cache.clear();
    this.ownedGeneration++;
  }

  /** Owned mode: how many customers' views are held. */
  get ownedViews(): number {
    return this.options.owned ? this.cache.size : 0;
  }

  /** Owned mode: whether this batch may use and keep views in memory (no other writer at work), dropping them when one started or ended. */
  private async mayHoldViews(): Promise<boolean> {
    const check = this.options.owned?.otherWriters;
    if (!check) return true;
    const others = await check();
    if (others.active || others.token !== this.otherWritersToken) this.dropOwnedViews();
    this.otherWritersToken = others.token;
    return !others.active;
  }

  /** Owned mode: the committed views held as the most recently folded, the least recently folded beyond `maxViews` dropped. */
  private hold(views: readonly ViewRecord<ProjectedView<V>>[], maxViews: number): void {
    for (const record of views) {
      this.cache.delete(record.customerId);
      this.cache.set(record.customerId, record);
    }
    for (const id of this.cache.keys()) {
      if (this.cache.size <= maxViews) break;
      this.cache.delete(id);
    }
  }

  /** Write-back mode: the least recently touched views beyond `maxViews` dropped, the dirty ones written (no checkpoint). */
  private async evict(maxViews: number): Promise<void> {
    let writes: ViewRecord<ProjectedView<V>>[] = [];
    for (const [id, record] of this.cache) {
      if (this.cache.size <= maxViews) break;
      this.cache.delete(id);
      if (this.dirty.delete(id)) writes.push(record);
      if (writes.length >= WRITE_BACK_COMMIT) {
        await this.readStore.commit({ views: writes });
        writes = [];
      }
    }
    if (writes.length > 0) await this.readStore.commit({ views: writes });
  }

  /**
   * One event folded into a customer's record; the population segment (tier) is carried over.
   * Events of a customer come in position order, so the view before `event` reflects exactly
   * the customer's stored events before it: its history, read only when the fold asks for it.
   */
  private fold(
    customerId: string,
    current: ViewRecord<ProjectedView<V>> | undefined,
    event: StoredInteractionEvent,
  ): ViewRecord<ProjectedView<V>> | Promise<ViewRecord<ProjectedView<V>>> {
    const view = current ? current.view.state : this.projection.initial(customerId);
    const state = this.projection.evolve(view, event, this.historyOf(customerId, event.position - 1, current?.view.merged));
    return state instanceof Promise ? state.then((s) => this.record(customerId, current, event, s)) : this.record(customerId, current, event, state);
  }

  private record(customerId: string, current: ViewRecord<ProjectedView<V>> | undefined, event: StoredInteractionEvent, state: V): ViewRecord<ProjectedView<V>> {
    return viewRecord(this.projection, customerId, event.position, state, current?.view.segment, event.revision, current?.view.merged);
  }

  /**
   * A CustomersMerged event in the survivor's stream: the survivor's view folded again from both
   * customers' events before it (their streams, and those merged into either, in position order),
   * and the merged customer's view marked with where it went (a pointer: lists and the population
   * pass leave it out). Deterministic, so a replay gives the same two views.
   */
  private async foldMerge(
    current: ViewRecord<ProjectedView<V>> | undefined,
    event: StoredInteractionEvent,
    changed: Map<string, ViewRecord<ProjectedView<V>>>,
    existing: Map<string, ViewRecord<ProjectedView<V>>>,
  ): Promise<{ survivor: ViewRecord<ProjectedView<V>>; pointer: ViewRecord<ProjectedView<V>>; mergedBefore: ViewRecord<ProjectedView<V>> | undefined }> {
    const survivorId = event.customerId;
    const mergedId = mergedIdOf(event);
    if (mergedId === null) throw new TypeError(`${CUSTOMERS_MERGED} ${event.eventId}: data.mergedCustomerId must name another customer`);
    const mergedBefore = changed.get(mergedId) ?? existing.get(mergedId) ?? (this.options.writeBack ? this.cache.get(mergedId) : undefined) ?? (await this.readStore.getView<ProjectedView<V>>(mergedId)) ?? undefined;
    if (mergedBefore?.view.mergedInto) throw new TypeError(`${CUSTOMERS_MERGED} ${event.eventId}: ${mergedId} was merged into ${mergedBefore.view.mergedInto.customerId} already`);
    const merged = [...new Set([...(current?.view.merged ?? []), mergedId, ...(mergedBefore?.view.merged ?? [])])];
    const events = await unionOf(this.eventStore, survivorId, merged, event.position - 1);
    let view: ViewRecord<ProjectedView<V>> | undefined;
    for (const [i, e] of events.entries()) {
      if (isMerge(e)) continue; // the merges before this one: their streams are in the union already
      try {
        const state = await this.projection.evolve(view ? structuredClone(view.view.state) : this.projection.initial(survivorId), e, async () => events.slice(0, i));
        view = viewRecord(this.projection, survivorId, e.position, state, undefined);
      } catch {
        // skipped, as the live fold skipped it (reported when it came)
      }
    }
    const state = view ? view.view.state : this.projection.initial(survivorId);
    const survivor = viewRecord(this.projection, survivorId, event.position, state, current?.view.segment, event.revision, merged);
    const mergedInto: MergedInto = { customerId: survivorId, eventId: event.eventId, occurredAt: event.occurredAt, position: event.position };
    const pointer: ViewRecord<ProjectedView<V>> = {
      customerId: mergedId,
      position: Math.max(event.position, mergedBefore?.position ?? -1),
      indexes: { mergedInto: survivorId },
      view: { ...(mergedBefore?.view ?? { projectionVersion: this.projection.version, state: this.projection.initial(mergedId) }), mergedInto },
    };
    return { survivor, pointer, mergedBefore };
  }

  /**
   * The view with the events of its stream it misses before `event` folded in (skipping, as any
   * re-fold does, an event whose step throws: it was reported when it came).
   */
  private async foldMissing(customerId: string, current: ViewRecord<ProjectedView<V>> | undefined, event: StoredInteractionEvent): Promise<ViewRecord<ProjectedView<V>> | undefined> {
    const from = current?.position ?? -1;
    let view = current;
    for (const missing of await this.historyOf(customerId, event.position - 1, current?.view.merged)()) {
      if (missing.position <= from) continue;
      try {
        // On a copy: a step that throws leaves the view from before it (and the caller's untouched).
        view = await this.fold(customerId, view && { ...view, view: structuredClone(view.view) }, missing);
      } catch {
        // skipped, as the live fold skipped it
      }
    }
    return view;
  }

  /** The history loader of a stored view: the customer's events (and those of the customers merged into it) up to the view's position. */
  historyOf(customerId: string, position: number, merged?: readonly string[]): HistoryLoader {
    return this.options.history ? this.options.history(customerId, position, merged) : customerHistory(this.eventStore, customerId, position, merged);
  }

  private async restore(
    customerId: string,
    existing: Map<string, ViewRecord<ProjectedView<V>>>,
    changed: Map<string, ViewRecord<ProjectedView<V>>>,
    appliedInBatch: readonly StoredInteractionEvent[],
  ): Promise<void> {
    // Owned mode: the held view was folded in place; the store has the one from before the batch.
    if (this.options.owned) this.cache.delete(customerId);
    const stored = this.options.writeBack ? await this.refold(customerId, existing.get(customerId)?.position) : await this.readStore.getView<ProjectedView<V>>(customerId);
    if (stored) existing.set(customerId, stored);
    else existing.delete(customerId);
    if (stored && this.options.writeBack) {
      // Refolded past what is stored (if the view was not stored yet): kept in memory, written back later.
      this.cache.set(customerId, stored);
      this.dirty.add(customerId);
    }
    changed.delete(customerId);
    let current = stored ?? undefined;
    for (const event of appliedInBatch) {
      current = await this.fold(customerId, current, event);
      changed.set(customerId, current);
    }
  }

  /**
   * Write-back mode: the view from before the batch, whose object evolve may have changed in
   * place, folded again from the customer's stream up to its position (skipping, like the
   * fold it repeats, each event whose step throws; those were reported when they came).
   */
  private async refold(customerId: string, upTo: number | undefined): Promise<ViewRecord<ProjectedView<V>> | null> {
    this.cache.delete(customerId);
    this.dirty.delete(customerId);
    if (upTo === undefined) return null;
    let current: ViewRecord<ProjectedView<V>> | undefined = (await this.readStore.getView<ProjectedView<V>>(customerId)) ?? undefined;
    const from = current?.position ?? -1;
    for (const event of await this.historyOf(customerId, upTo)()) {
      if (event.position <= from) continue;
      try {
        current = await this.fold(customerId, current, event);
      } catch {
        if (current) current = (await this.refold(customerId, current.position)) ?? undefined;
      }
    }
    return current ?? null;
  }

  /** Starts the catch-up-then-live loop from the stored checkpoint. */
  async start(): Promise<void> {
    if (this.loop.isRunning) return;
    this.checkpoint = await this.readStore.getCheckpoint(this.checkpointName);
    this.loop.start(this.checkpoint, async (batch) => void (await this.applyBatch(batch.map(toStoredInteractionEvent))));
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Resolves once every event up to `position` is committed (or rejects after the timeout). */
  async waitForPosition(position: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.checkpoint < position) {
      if (Date.now() > deadline) throw new Error(`projector did not reach position ${position} (at ${this.checkpoint})`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
}

/** Views per read-store commit when write-back mode writes its views back. */
const WRITE_BACK_COMMIT = 2000;

/** Whether the view misses events of its stream before `event` (its revision is further on than the next). */
function missesEvents<V>(current: ViewRecord<ProjectedView<V>> | undefined, event: StoredInteractionEvent): boolean {
  if (typeof event.revision !== 'number') return false;
  if (!current) return event.revision > 0;
  const revision = current.view.revision;
  return typeof revision === 'number' && event.revision > revision + 1;
}

function diffIndexes(before: Record<string, string>, after: Record<string, string>, event: StoredInteractionEvent): IndexChange[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changes: IndexChange[] = [];
  for (const key of keys) {
    const from = before[key] ?? null;
    const to = after[key] ?? null;
    if (from === to) continue;
    changes.push({ customerId: event.customerId, key, from, to, eventId: event.eventId, eventType: event.type, occurredAt: event.occurredAt, position: event.position });
  }
  return changes;
}
