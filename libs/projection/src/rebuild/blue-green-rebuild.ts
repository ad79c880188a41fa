import { CUSTOMER_STREAM_PREFIX, StoredInteractionEvent } from '@crm/contracts';
import type { CustomerView } from '@crm/domain';
import { parsePolicy } from '@crm/domain';
import { EventStore, RecordedEvent, toStoredInteractionEvent } from '@crm/event-store';
import { GenerationInfo, ReadStore, ReadStoreGenerations } from '@crm/read-store';
import { recordDeadLetters, listDeadLetters } from '../dead-letters';
import { InteractionMeasuresStore } from '../interaction-measures.store';
import { runSegmentation } from '../population/run-segmentation';
import { FailedEvent, ProjectedView, ProjectionRunner, customerHistory, historyOfRecord } from '../projection-runner';
import { RelationshipProjection } from '../relationship.projection';
import { ServingGeneration } from '../served-projection';
import { ViewFingerprints, describeDifferences } from './view-fingerprints';

/**
 * A blue-green rebuild: the views of a target projection (the current code, and a policy) are built
 * in a new generation of the read models beside the one being served, which keeps answering every
 * read and keeps folding live events. Phases:
 *   views      every customer's stream folded in memory and written once (stream by stream where the
 *              store can), up to the head at the start;
 *   measures   the call-centre measures, in log order;
 *   catch-up   the events appended meanwhile, until the new generation is close to the live head;
 *   population the population pass (tiers, lifetime value, segments) on the new generation;
 *   switch     one compare-and-set on the control document: readers and projectors move to it
 *              (other processes within GENERATION_POLL_MS);
 *   settle     after `settleMs` (projectors in other processes have moved), the events folded into
 *              the old generation meanwhile are folded into the new one; a projector and the rebuild
 *              folding one customer at once stay correct because a view that misses events of its
 *              stream folds them first (ProjectedView.revision);
 *   retire     the old generation dropped (kept with `keep`).
 * Progress is saved in the control store: a rebuild killed at any point resumes from its own
 * checkpoint when started again with the same target, and ends with the views an uninterrupted one
 * gives.
 */
export interface RebuildOptions {
  /** The policy to fold with, as JSON (validated); default: the served generation's. */
  policy?: unknown;
  /** Keep the old generation after the switch (its data stays; listed in the control document). */
  keep?: boolean;
  /** Start over even when an interrupted rebuild of the same target could be resumed. */
  restart?: boolean;
  /** Population pass and --verify as of this instant. @defaultValue now */
  asOf?: string;
  /** Compare every view before and after, evaluated at `asOf`, naming customers and fields that differ. */
  verify?: boolean;
  /** Events per views batch. @defaultValue 2000 */
  batchSize?: number;
  /** Customers whose views stay in memory in the views phase (0: load and commit each batch). @defaultValue 10000 */
  cacheViews?: number;
  /** Events between two saves of the progress. @defaultValue 50000 */
  saveEvery?: number;
  /** Events per measures update. @defaultValue 20000 */
  measuresBatch?: number;
  /** How long after the switch the old generation may still receive live events (other processes' poll). @defaultValue 0 */
  settleMs?: number;
  /** Cancels the rebuild before its switch (the new generation is dropped). */
  signal?: AbortSignal;
  /** Stops it between two batches, its progress kept (a shutdown): started again, it resumes. */
  interrupt?: AbortSignal;
  /** Called as it goes (throttled by the caller). */
  onProgress?: (status: RebuildStatus) => void;
  /** Test fault injection: SIGKILL the process after this many events of the views phase. */
  killAfterEvents?: number;
}

export type RebuildPhase = 'views' | 'measures' | 'catch-up' | 'population' | 'switch' | 'settle' | 'retire' | 'done' | 'cancelled' | 'failed';

export interface RebuildStatus {
  id: string;
  /** The generation being built (served from the switch on). */
  generation: number;
  /** The generation served when it started. */
  previousGeneration: number;
  projectionVersion: string;
  policyVersion: string;
  phase: RebuildPhase;
  /** Events folded in the current phase, and how many it has (catch-up: so far). */
  done: number;
  total: number;
  /** Events per second in the current phase. */
  rate: number;
  etaSeconds: number | null;
  startedAt: string;
  finishedAt: string | null;
  resumed: boolean;
  keep: boolean;
  head: number;
  /** Events of the history it read (up to the head, then caught up). */
  events: number;
  views: number | null;
  skippedEvents: number;
  error: string | null;
  /** --verify: null until computed (or when skipped, with the reason in `lines`). */
  verify: { identical: boolean | null; lines: string[] } | null;
  /** Seconds per phase, as they finish. */
  seconds: Partial<Record<RebuildPhase, number>>;
  /** In the platform: the event-loop delay of the thread that serves reads while the rebuild ran (ms). */
  servingEventLoopDelayMs?: { p50: number; p99: number; max: number };
}

/** Where a rebuild is, in the control store, so a killed one resumes. */
interface RebuildProgress {
  id: string;
  generation: GenerationInfo;
  previousGeneration: number;
  keep: boolean;
  startedAt: string;
  /** The head when it started: the views and measures phases read up to it. */
  head: number;
  phase: RebuildPhase;
  /** Views: every stream up to this one (byte order) is folded and stored. */
  streamsDone: string | null;
  viewsDone: number;
  /** Measures: every event up to this position is applied. */
  measuresAfter: number;
  /** Catch-up and settle: every event up to this position is folded into the new generation. */
  caughtUpTo: number;
}

export const REBUILD_PROGRESS_DOCUMENT = 'rebuild:progress';

const TERMINAL: readonly RebuildPhase[] = ['done', 'cancelled', 'failed'];
/** The phases before the switch: a rebuild in one of them can still be cancelled. */
const CANCELLABLE: readonly RebuildPhase[] = ['views', 'measures', 'catch-up', 'population'];

/** Whether a rebuild in this phase has ended (done, cancelled or failed). */
export const isFinishedPhase = (phase: RebuildPhase): boolean => TERMINAL.includes(phase);
/** Whether a rebuild in this phase has not switched yet (a cancel drops its generation). */
export const isCancellablePhase = (phase: RebuildPhase): boolean => CANCELLABLE.includes(phase);

/** Catch-up rounds end when fewer events than this remain behind the live head. */
const CATCH_UP_CLOSE_ENOUGH = 500;
const CATCH_UP_MAX_ROUNDS = 20;

export class RebuildCancelledError extends Error {
  constructor() {
    super('the rebuild was cancelled');
    this.name = 'RebuildCancelledError';
  }
}

/** Stopped by `interrupt` (a shutdown): the progress is saved, the next start resumes it. */
export class RebuildInterruptedError extends Error {
  constructor() {
    super('the rebuild was interrupted; start it again to resume it');
    this.name = 'RebuildInterruptedError';
  }
}

/** The progress document of an unfinished rebuild, if any. */
export async function unfinishedRebuild(generations: ReadStoreGenerations): Promise<{ id: string; phase: RebuildPhase; projectionVersion: string; generation: number } | null> {
  const progress = (await ProgressDocument.load(generations.control)).saved;
  if (!progress || TERMINAL.includes(progress.phase)) return null;
  return { id: progress.id, phase: progress.phase, projectionVersion: progress.generation.projectionVersion, generation: progress.generation.id };
}

export async function runBlueGreenRebuild(eventStore: EventStore, serving: ServingGeneration, options: RebuildOptions = {}): Promise<RebuildStatus> {
  const generations = serving.generations;
  const requestedPolicy = options.policy === undefined ? generations.active.policy : parsePolicy(options.policy);
  const requested = requestedPolicy === null || requestedPolicy === undefined ? serving.configuredProjection : new RelationshipProjection(parsePolicy(requestedPolicy));
  const asOf = new Date(options.asOf ?? Date.now()).toISOString();
  const batchSize = options.batchSize ?? 2000;
  const cacheViews = options.cacheViews ?? 10_000;
  const saveEvery = options.saveEvery ?? 50_000;

  // Resume an interrupted rebuild of the same target (or one that already switched: it finishes),
  // or start a new generation; an unswitched one of another target is dropped (it was never served).
  const document = await ProgressDocument.load(generations.control);
  const saved = document.saved;
  const unfinished = saved !== null && !TERMINAL.includes(saved.phase);
  const switched = unfinished && (saved.phase === 'settle' || saved.phase === 'retire');
  const resumable = unfinished && (switched || (!options.restart && saved.generation.projectionVersion === requested.version));
  if (unfinished && !resumable) await abandon(generations, document, saved);
  const projection = resumable ? serving.projectionOf(saved.generation) : requested;
  let progress: RebuildProgress;
  if (resumable) {
    progress = saved;
  } else {
    const previous = generations.active;
    const state = await generations.update((s) => ({
      ...s,
      lastId: s.lastId + 1,
      building: { id: s.lastId + 1, projectionVersion: requested.version, policy: requestedPolicy ?? null, createdAt: new Date().toISOString(), servedSince: null },
    }));
    const generation = state.building!;
    await generations.destroy(generation.id); // anything left under that name
    progress = {
      id: `rebuild-${generation.id}`,
      generation,
      previousGeneration: previous.id,
      keep: options.keep ?? false,
      startedAt: new Date().toISOString(),
      head: await eventStore.headPosition(),
      phase: 'views',
      streamsDone: null,
      viewsDone: 0,
      measuresAfter: -1,
      caughtUpTo: -1,
    };
    await document.save(progress);
  }
  const target = await generations.storeOf(progress.generation.id);
  const total = await eventStore.count({ streamPrefix: CUSTOMER_STREAM_PREFIX });
  const status: RebuildStatus = {
    id: progress.id,
    generation: progress.generation.id,
    previousGeneration: progress.previousGeneration,
    projectionVersion: projection.version,
    policyVersion: projection.policy.policyVersion,
    phase: progress.phase,
    done: 0,
    total,
    rate: 0,
    etaSeconds: null,
    startedAt: progress.startedAt,
    finishedAt: null,
    resumed: resumable,
    keep: progress.keep,
    head: progress.head,
    events: total,
    views: null,
    skippedEvents: 0,
    error: null,
    verify: null,
    seconds: {},
  };
  const report = () => options.onProgress?.({ ...status, verify: status.verify && { ...status.verify }, seconds: { ...status.seconds } });
  const checkCancelled = () => {
    if (options.signal?.aborted && isCancellablePhase(progress.phase)) throw new RebuildCancelledError();
    if (options.interrupt?.aborted) throw new RebuildInterruptedError();
  };

  // Verify compares with the views served before: a resumed rebuild can only if the old generation still serves.
  let before: ViewFingerprints | null = null;
  if (options.verify) {
    if (generations.active.id !== progress.previousGeneration) status.verify = { identical: null, lines: ['verify: skipped, the generation served before is no longer served'] };
    else before = await fingerprintViews(generations.readStore, eventStore, serving.projectionOf(generations.active), asOf);
  }

  const failures: FailedEvent[] = [];
  const measures = new InteractionMeasuresStore(target, { policy: projection.policy });
  let phaseStarted = performance.now();
  const enter = (phase: RebuildPhase, phaseTotal: number, done = 0) => {
    if (status.phase !== phase) status.seconds[status.phase] = Math.round((performance.now() - phaseStarted) / 100) / 10;
    phaseStarted = performance.now();
    Object.assign(status, { phase, total: phaseTotal, done, rate: 0, etaSeconds: null });
    report();
  };
  const advance = (done: number, startDone: number) => {
    const seconds = Math.max(0.001, (performance.now() - phaseStarted) / 1000);
    status.done = done;
    status.rate = Math.round((done - startDone) / seconds);
    status.etaSeconds = status.rate > 0 ? Math.max(0, Math.round((status.total - done) / status.rate)) : null;
    report();
  };

  try {
    // 1. Views, stream by stream where the store can (write-back: each view written once).
    if (progress.phase === 'views') {
      enter('views', total, progress.viewsDone);
      const runner = new ProjectionRunner(eventStore, target, projection, {
        ...(cacheViews > 0 ? { writeBack: { maxViews: cacheViews } } : {}),
        onFailed: (failure) => failures.push(failure),
        beforeCommit: () => recordDeadLetters(target, failures.splice(0)),
      });
      let done = progress.viewsDone;
      let current: string | null = null;
      let previous = progress.streamsDone;
      let readBeforeCurrent = progress.viewsDone;
      let sinceSave = 0;
      const doneAtStart = done;
      const source = async function* (): AsyncIterable<RecordedEvent> {
        const from = progress.streamsDone === null ? {} : { afterStream: progress.streamsDone };
        for await (const recorded of eventStore.readStreams({ streamPrefix: CUSTOMER_STREAM_PREFIX, upTo: progress.head, ...from })) {
          if (recorded.streamId !== current) {
            if (current !== null) previous = current;
            current = recorded.streamId;
            readBeforeCurrent = done;
          }
          done++;
          yield recorded;
        }
      };
      await inBatches(source(), batchSize, async (batch) => {
        checkCancelled();
        await runner.applyBatch(batch, null);
        sinceSave += batch.length;
        if (options.killAfterEvents !== undefined && done - doneAtStart >= options.killAfterEvents) process.kill(process.pid, 'SIGKILL');
        if (sinceSave >= saveEvery && eventStore.readsStreamsInOrder) {
          await runner.flush();
          await document.save(Object.assign(progress, { streamsDone: previous, viewsDone: readBeforeCurrent }));
          sinceSave = 0;
        }
        advance(done, doneAtStart);
      });
      // The head it started at is the new generation's checkpoint (the embedded projector's, once switched).
      await runner.applyBatch([], progress.head);
      await runner.flush();
      await document.save(Object.assign(progress, { phase: 'measures', streamsDone: current ?? previous, viewsDone: done }));
    }

    // 2. Measures, in log order, without the events the views skipped (their dead letters).
    if (progress.phase === 'measures') {
      enter('measures', total);
      const skipped = new Set((await listDeadLetters(target)).filter((l) => l.status === 'pending').map((l) => l.eventId));
      let done = 0;
      const measured = async function* (): AsyncIterable<RecordedEvent> {
        for await (const recorded of eventStore.readAll({ streamPrefix: CUSTOMER_STREAM_PREFIX, after: progress.measuresAfter })) {
          if (recorded.position > progress.head) return;
          done++;
          if (!skipped.has(recorded.eventId)) yield recorded;
        }
      };
      await inBatches(measured(), options.measuresBatch ?? 20_000, async (batch) => {
        checkCancelled();
        await measures.apply(batch, 'log');
        await document.save(Object.assign(progress, { measuresAfter: batch[batch.length - 1].position }));
        advance(done, 0);
      });
      await document.save(Object.assign(progress, { phase: 'catch-up', caughtUpTo: progress.head }));
    }

    // A write-through runner on the new generation for the events after the head: views, measures, dead letters.
    const follower = new ProjectionRunner(eventStore, target, projection, {
      onFailed: (failure) => failures.push(failure),
      beforeCommit: async (applied) => {
        await recordDeadLetters(target, failures.splice(0));
        await measures.apply(applied, 'log');
      },
    });
    const catchUp = async (upTo: number) => {
      let done = 0;
      const from = progress.caughtUpTo;
      const events = async function* (): AsyncIterable<RecordedEvent> {
        for await (const recorded of eventStore.readAll({ streamPrefix: CUSTOMER_STREAM_PREFIX, after: from })) {
          if (recorded.position > upTo) return;
          yield recorded;
        }
      };
      await inBatches(events(), 500, async (batch) => {
        checkCancelled();
        await follower.applyBatch(batch, null);
        done += batch.length;
        await document.save(Object.assign(progress, { caughtUpTo: batch[batch.length - 1].position }));
        advance(status.done + batch.length, 0);
      });
      progress.caughtUpTo = Math.max(progress.caughtUpTo, upTo);
      await document.save(progress);
      return done;
    };

    // 3. Catch up with the live head.
    if (progress.phase === 'catch-up') {
      enter('catch-up', 0);
      for (let round = 0; round < CATCH_UP_MAX_ROUNDS; round++) {
        const head = await eventStore.headPosition();
        status.total = status.done + Math.max(0, head - progress.caughtUpTo);
        const folded = await catchUp(head);
        if (folded < CATCH_UP_CLOSE_ENOUGH) break;
      }
      await document.save(Object.assign(progress, { phase: 'population' }));
    }

    // 4. The population pass on the new generation.
    if (progress.phase === 'population') {
      enter('population', 0);
      checkCancelled();
      await runSegmentation(target, projection, asOf, { history: (id, position, merged) => customerHistory(eventStore, id, position, merged) });
      if (before) {
        const differences = before.compare(await fingerprintViews(target, eventStore, projection, asOf));
        status.verify = differences.identical
          ? { identical: true, lines: [`verify: the ${before.size} views are identical as of ${asOf}`] }
          : { identical: false, lines: [`verify: views DIFFER as of ${asOf}`, ...describeDifferences(differences)] };
      }
      await document.save(Object.assign(progress, { phase: 'switch' }));
    }

    // 5. The switch: one compare-and-set; readers and projectors follow.
    if (progress.phase === 'switch') {
      enter('switch', 0);
      const servedSince = new Date().toISOString();
      await generations.update((s) => {
        if (s.active.id === progress.generation.id) return null; // switched before a crash
        const kept = progress.keep ? [...s.kept, s.active] : s.kept;
        return { ...s, active: { ...progress.generation, servedSince }, building: null, kept };
      });
      await document.save(Object.assign(progress, { phase: 'settle' }));
    }

    // 6. Settle: what the old generation received from projectors that had not moved yet.
    if (progress.phase === 'settle') {
      enter('settle', 0);
      if (options.settleMs && options.settleMs > 0) await new Promise((resolve) => setTimeout(resolve, options.settleMs));
      await catchUp(await eventStore.headPosition());
      await document.save(Object.assign(progress, { phase: 'retire' }));
    }

    // 7. Retire the old generation.
    if (progress.phase === 'retire') {
      enter('retire', 0);
      if (!progress.keep && generations.active.id !== progress.previousGeneration) {
        const keptElsewhere = generations.state.kept.some((g) => g.id === progress.previousGeneration);
        if (!keptElsewhere) await generations.destroy(progress.previousGeneration);
      }
      await document.save(Object.assign(progress, { phase: 'done' }));
    }
    status.views = await target.countViews();
    status.skippedEvents = (await listDeadLetters(target)).filter((l) => l.status === 'pending').length;
    enter('done', status.events, status.events);
    status.finishedAt = new Date().toISOString();
    report();
    return status;
  } catch (error) {
    if (error instanceof RebuildCancelledError) {
      await abandon(generations, document, progress);
      status.phase = 'cancelled';
    } else if (!(error instanceof RebuildInterruptedError)) {
      status.phase = 'failed';
      status.error = error instanceof Error ? error.message : String(error);
    }
    status.finishedAt = new Date().toISOString();
    report();
    throw error;
  }
}

/** Drops an unswitched rebuild's generation and marks it cancelled. */
async function abandon(generations: ReadStoreGenerations, document: ProgressDocument, progress: RebuildProgress): Promise<void> {
  await generations.update((s) => (s.building?.id === progress.generation.id ? { ...s, building: null } : null));
  if (generations.active.id !== progress.generation.id) await generations.destroy(progress.generation.id);
  await document.save(Object.assign(progress, { phase: 'cancelled' as RebuildPhase }));
}

async function inBatches(source: AsyncIterable<RecordedEvent>, size: number, apply: (batch: StoredInteractionEvent[]) => Promise<void>): Promise<void> {
  let batch: StoredInteractionEvent[] = [];
  for await (const recorded of source) {
    batch.push(toStoredInteractionEvent(recorded));
    if (batch.length >= size) {
      await apply(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await apply(batch);
}

/**
 * The progress document, read once: each save writes on top of the version this rebuild wrote last
 * (one round trip per save; another rebuild writing it meanwhile makes the save fail, loudly).
 */
class ProgressDocument {
  private constructor(
    private readonly control: ReadStore,
    private version: number,
    readonly saved: RebuildProgress | null,
  ) {}

  static async load(control: ReadStore): Promise<ProgressDocument> {
    const stored = (await control.getDocuments<RebuildProgress>([REBUILD_PROGRESS_DOCUMENT])).get(REBUILD_PROGRESS_DOCUMENT);
    return new ProgressDocument(control, stored?.version ?? 0, stored?.value ?? null);
  }

  async save(progress: RebuildProgress): Promise<void> {
    await this.control.putDocuments([{ name: REBUILD_PROGRESS_DOCUMENT, expectedVersion: this.version, value: progress }]);
    this.version++;
  }
}

/**
 * Fingerprints of every view evaluated at one instant: live views were last evaluated at other
 * times (by events, by population passes), so only views as of the same time can be compared.
 * The population segment is left out (it depends on the whole population at its own time).
 */
async function fingerprintViews(readStore: ReadStore, eventStore: EventStore, projection: RelationshipProjection, asOf: string): Promise<ViewFingerprints> {
  const fingerprints = new ViewFingerprints();
  for await (const record of readStore.scanViews<ProjectedView<CustomerView>>()) {
    // A view whose clock is after asOf (an event dated later) is re-folded from its stream.
    const state = await projection.evaluate(record.view.state, asOf, historyOfRecord(eventStore, record));
    fingerprints.add(record.customerId, { record: { position: record.position, projectionVersion: record.view.projectionVersion }, ...state });
  }
  return fingerprints;
}
