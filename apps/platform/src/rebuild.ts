import 'reflect-metadata';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '@crm/config';
import { CUSTOMER_STREAM_PREFIX, StoredInteractionEvent } from '@crm/contracts';
import { EventStore, RecordedEvent, toStoredInteractionEvent } from '@crm/event-store';
import { openEventStore, openReadStore } from '@crm/infrastructure';
import type { CustomerView } from '@crm/domain';
import {
  FailedEvent,
  InteractionMeasuresStore,
  ProjectedView,
  listDeadLetters,
  recordDeadLetters,
  ProjectionRunner,
  RelationshipProjection,
  createCustomerProjection,
  customerHistory,
  runSegmentation,
} from '@crm/projection';
import { ReadStore } from '@crm/read-store';
import { assertPlatformNotRunning } from './platform-lock';
import { ViewFingerprints, describeDifferences } from './view-fingerprints';

/**
 * Customers whose views the rebuild keeps in memory: a bound, so peak RSS stays flat however
 * many customers the history has (bench:rebuild: a view of a 1M-event history holds ~24 KiB
 * in memory; all 83k customers of it in memory peaked at 2.3 GiB).
 */
const DEFAULT_CACHE_VIEWS = 10_000;

/**
 * Events per measures update: each update reads and writes every agent-day and team-day document
 * its events touch, so a larger batch rewrites each document fewer times.
 */
const MEASURES_BATCH = Number(process.env.REBUILD_MEASURES_BATCH ?? 20_000);

/**
 * npm run rebuild: clears the views (and measures, segments, checkpoints) and replays the
 * whole history through the current projection and policy, then runs the population pass.
 * Streams the log page by page, so memory stays flat however long the history is.
 */
async function main(): Promise<void> {
  const options = new Command('rebuild')
    .description('Clear the read models and replay every event through the current projection')
    .option('--batch-size <n>', 'events per read-store commit', (v) => Number.parseInt(v, 10), 2000)
    .option(
      '--cache-views <n>',
      'customers whose views stay in memory (least recently touched written back first); 0: load and commit each batch, like the projector',
      (v) => Number.parseInt(v, 10),
      DEFAULT_CACHE_VIEWS,
    )
    .option('--as-of <iso>', 'population pass as of this instant (default: now)')
    .option('--verify', 'compare the views before and after, evaluated at one instant (equal when neither the history nor the projection changed); names the customers and fields that differ')
    .option('--no-progress', 'no progress bar (for logs)')
    .option('--restart', 'start from scratch even when an interrupted rebuild of the same projection could be resumed')
    .option('--save-every <n>', 'events between two saves of the progress a killed rebuild resumes from', (v) => Number.parseInt(v, 10), 50_000)
    .parse()
    .opts<{ batchSize: number; cacheViews: number; asOf?: string; verify?: boolean; progress: boolean; restart?: boolean; saveEvery: number }>();
  if (!Number.isSafeInteger(options.saveEvery) || options.saveEvery < 1) throw new ConfigError([`--save-every must be a positive integer, got ${options.saveEvery}`]);
  if (!Number.isSafeInteger(options.cacheViews) || options.cacheViews < 0) throw new ConfigError([`--cache-views must be a non-negative integer, got ${options.cacheViews}`]);
  const config = loadConfig();
  if (config.EVENT_STORE === 'sqlite') assertPlatformNotRunning(config.DATA_DIR);

  const eventStore = await openEventStore(config);
  const readStore = await openReadStore(config);
  try {
    const projection = createCustomerProjection(config.POLICY_FILE);
    const asOf = new Date(options.asOf ?? Date.now()).toISOString();
    const measures = new InteractionMeasuresStore(readStore, { policy: projection.policy });
    // An event whose fold throws is skipped, as live: recorded as a dead letter (before any view
    // after it is written, so a resumed rebuild still knows it), skipped by every re-fold, and by
    // the measures (live, they see only the events the views applied).
    const failures: FailedEvent[] = [];
    let failedCount = 0;
    const firstFailures: string[] = [];
    // Write-back: the rebuild is the only writer, so views stay in memory and are stored when
    // evicted, at each progress save and at the end (with the checkpoint). A killed rebuild
    // resumes from its last progress save; views stored after it are skipped by position.
    const runner = new ProjectionRunner(eventStore, readStore, projection, {
      ...(options.cacheViews > 0 ? { writeBack: { maxViews: options.cacheViews } } : {}),
      onFailed: (failure) => {
        if (failedCount++ < 20) firstFailures.push(`event ${failure.event.eventId} (${failure.event.type}, position ${failure.event.position}) skipped: ${failure.error.message}`);
        failures.push(failure);
      },
      beforeCommit: () => recordDeadLetters(readStore, failures.splice(0)),
    });
    const total = await eventStore.count({ streamPrefix: CUSTOMER_STREAM_PREFIX });

    // Resume an interrupted rebuild of the same projection (its progress is in the read store),
    // or start from scratch: clear, then the progress of this one.
    const saved = options.restart ? null : await loadProgress(readStore, projection.version, eventStore.readsStreamsInOrder);
    // Verify compares with the views from before the rebuild: a resumed one no longer has them.
    if (saved && options.verify) console.log('verify: skipped, the views from before the interrupted rebuild are gone (use --restart to verify)');
    const before = options.verify && !saved ? await fingerprintViews(readStore, eventStore, projection, asOf) : null;
    if (saved) {
      const where = saved.phase === 'views' ? `views after stream ${saved.streamsDone ?? '(none)'}` : `measures after position ${saved.measuresAfter}`;
      console.log(`resuming the rebuild started at ${saved.startedAt} (head ${saved.head}): ${where} (--restart to start over)`);
    } else await readStore.clear();
    const progress: RebuildProgress = saved ?? {
      projectionVersion: projection.version,
      startedAt: new Date().toISOString(),
      head: await eventStore.headPosition(),
      phase: 'views',
      streamsDone: null,
      viewsDone: 0,
      measuresAfter: -1,
    };
    await saveProgress(readStore, progress);
    const head = progress.head;

    const bar = new SingleBar(
      { format: 'rebuild {phase} |{bar}| {value}/{total} events | {rate} ev/s | ETA {eta_formatted}', etaBuffer: 50, hideCursor: true },
      Presets.shades_classic,
    );
    const started = performance.now();
    let phaseStarted = started;
    const rate = (done: number, since = started) => Math.round(done / Math.max(0.001, (performance.now() - since) / 1000));
    /** Reads `source` in batches into `apply`, with the progress bar of one phase. */
    const phase = async (name: string, source: AsyncIterable<RecordedEvent>, batchSize: number, apply: (batch: StoredInteractionEvent[]) => Promise<void>): Promise<number> => {
      phaseStarted = performance.now();
      if (options.progress) bar.start(total, 0, { phase: name, rate: 0 });
      let read = 0;
      let batch: StoredInteractionEvent[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await apply(batch);
        read += batch.length;
        batch = [];
        if (options.progress) bar.update(read, { rate: rate(read, phaseStarted) });
      };
      for await (const recorded of source) {
        batch.push(toStoredInteractionEvent(recorded));
        if (batch.length >= batchSize) await flush();
      }
      await flush();
      if (options.progress) bar.stop();
      return read;
    };
    // 1. The views, customer after customer where the store can (the embedded one reads stream by
    //    stream): a view depends on its customer's events only, so each is folded while in memory
    //    and written once. The checkpoint is the head the rebuild started at.
    //    Every --save-every events the views held are written and the progress saved: the streams
    //    before the one being read are done. A resumed rebuild reads the streams after them; the
    //    stream it was in comes again from its start, and the views' position guard skips what
    //    was already folded into it.
    let done = progress.viewsDone;
    if (progress.phase === 'views') {
      let current: string | null = null;
      let previous = progress.streamsDone;
      let readBeforeCurrent = progress.viewsDone;
      let sinceSave = 0;
      const killAfter = Number(process.env.REBUILD_FAULT_KILL_AFTER_EVENTS ?? Number.POSITIVE_INFINITY);
      const doneAtStart = done;
      const source = async function* (): AsyncIterable<RecordedEvent> {
        const from = progress.streamsDone === null ? {} : { afterStream: progress.streamsDone };
        for await (const recorded of eventStore.readStreams({ streamPrefix: CUSTOMER_STREAM_PREFIX, upTo: head, ...from })) {
          if (recorded.streamId !== current) {
            if (current !== null) previous = current;
            current = recorded.streamId;
            readBeforeCurrent = done;
          }
          done++;
          yield recorded;
        }
      };
      await phase('views', source(), options.batchSize, async (batch) => {
        await runner.applyBatch(batch, null);
        sinceSave += batch.length;
        // Fault injection for the resume test: a kill -9 in the middle of the views.
        if (done - doneAtStart >= killAfter) process.kill(process.pid, 'SIGKILL');
        if (sinceSave >= options.saveEvery && eventStore.readsStreamsInOrder) {
          await runner.flush();
          await saveProgress(readStore, Object.assign(progress, { streamsDone: previous, viewsDone: readBeforeCurrent }));
          sinceSave = 0;
        }
      });
      await runner.applyBatch([], head);
      await runner.flush();
      await saveProgress(readStore, Object.assign(progress, { phase: 'measures', streamsDone: current ?? previous, viewsDone: done }));
    }
    const viewsSeconds = (performance.now() - started) / 1000;
    // 2. The call-centre measures, in log order (their documents are per agent-day: log order
    //    touches each day's documents together), without the events the views skipped (the dead
    //    letters). Resumable by position (and idempotent by event id anyway).
    const skippedIds = new Set((await listDeadLetters(readStore)).filter((l) => l.status === 'pending').map((l) => l.eventId));
    const measured = async function* (): AsyncIterable<RecordedEvent> {
      for await (const recorded of eventStore.readAll({ streamPrefix: CUSTOMER_STREAM_PREFIX, after: progress.measuresAfter })) {
        if (recorded.position > head) return;
        if (!skippedIds.has(recorded.eventId)) yield recorded;
      }
    };
    await phase('measures', measured(), MEASURES_BATCH, async (batch) => {
      await measures.apply(batch, 'log');
      await saveProgress(readStore, Object.assign(progress, { measuresAfter: batch[batch.length - 1].position }));
    });
    await saveProgress(readStore, Object.assign(progress, { phase: 'done' }));
    for (const line of firstFailures) console.error(line);
    const failed = skippedIds.size;
    if (failed > firstFailures.length) console.error(`… and ${failed - firstFailures.length} more skipped events`);
    const seconds = (performance.now() - started) / 1000;
    const views = await readStore.countViews();
    console.log(
      `rebuilt ${views} views (${projection.version}) from ${done} events in ${seconds.toFixed(1)} s (${rate(done)} events/s; views ${viewsSeconds.toFixed(1)} s, measures ${(seconds - viewsSeconds).toFixed(1)} s), ` +
        `${failed > 0 ? `${failed} events skipped (their fold threw), ` : ''}checkpoint ${runner.position}, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
    );
    const report = await runSegmentation(readStore, projection, asOf, { history: (id, position) => customerHistory(eventStore, id, position) });
    console.log(`population pass as of ${asOf}: ${report.population} customers, ${report.fit.method}, in ${report.computedInMs} ms`);
    if (before) {
      const differences = before.compare(await fingerprintViews(readStore, eventStore, projection, asOf));
      if (differences.identical) console.log(`verify: the ${before.size} views are identical as of ${asOf}`);
      else {
        console.log(`verify: views DIFFER as of ${asOf}`);
        for (const line of describeDifferences(differences)) console.log(line);
        process.exitCode = 2;
      }
    }
  } finally {
    await eventStore.close();
    await readStore.close();
  }
}

/** Where a rebuild is, in the read store (a document), so a killed one resumes. */
interface RebuildProgress {
  projectionVersion: string;
  startedAt: string;
  /** The head when it started: its checkpoint, and the last position it reads. */
  head: number;
  phase: 'views' | 'measures' | 'done';
  /** Views: every stream up to this one (byte order) is folded and stored. */
  streamsDone: string | null;
  /** Events read up to streamsDone. */
  viewsDone: number;
  /** Measures: every event up to this position is applied. */
  measuresAfter: number;
}

const PROGRESS_DOCUMENT = 'rebuild:progress';

/** The progress of an interrupted rebuild this one can resume: same projection, not done, and a store that can resume its views phase. */
async function loadProgress(readStore: ReadStore, projectionVersion: string, streamOrdered: boolean): Promise<RebuildProgress | null> {
  const value = (await readStore.getDocuments<RebuildProgress>([PROGRESS_DOCUMENT])).get(PROGRESS_DOCUMENT)?.value;
  if (!value || value.projectionVersion !== projectionVersion || value.phase === 'done') return null;
  if (value.phase === 'views' && !streamOrdered) return null;
  return value;
}

async function saveProgress(readStore: ReadStore, progress: RebuildProgress): Promise<void> {
  const current = (await readStore.getDocuments([PROGRESS_DOCUMENT])).get(PROGRESS_DOCUMENT);
  await readStore.putDocuments([{ name: PROGRESS_DOCUMENT, expectedVersion: current?.version ?? 0, value: progress }]);
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
    const state = await projection.evaluate(record.view.state, asOf, customerHistory(eventStore, record.customerId, record.position));
    fingerprints.add(record.customerId, { record: { position: record.position, projectionVersion: record.view.projectionVersion }, ...state });
  }
  return fingerprints;
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
  process.exit(1);
});
