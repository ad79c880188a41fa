import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { EventStore } from '@crm/event-store';
import { type StoredInteractionEvent, traceparentOf } from '@crm/contracts';
import { HealthRegistry, Metrics, TOPIC_NAMES, TopicNames, contextOf, recordSpan, tracingEnabled } from '@crm/infrastructure';
import { MessageBroker, MessagePublisher, platformTopics } from '@crm/messaging';
import { ReadStore } from '@crm/read-store';
import { CustomerProjection } from '@crm/projection';
import { InteractionMeasuresStore } from '@crm/projection';
import { KafkaProjector } from './kafka-projector';
import { RelationshipProjection } from '@crm/projection';
import { BatchResult, FailedEvent, ProjectionRunner, ServingGeneration, deadLetterSummary, otherViewWriters, recordDeadLetters } from '@crm/projection';

/** How long one measurement of the lag answers the gauges and readiness. */
const LAG_SAMPLE_MS = 200;

/**
 * Runs the projection for the life of the app, from the source the transport names:
 * - in-process (embedded): catch-up subscription on the event store, checkpoint in the read
 *   store; views and changes are also published on the in-process bus;
 * - kafka: a consumer-group member on crm.interactions.v1 (the relay feeds it).
 */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projector');
  readonly runner: ProjectionRunner<unknown>;
  private kafkaProjector: KafkaProjector | null = null;
  private processed = 0;
  private lastError: { at: string; message: string } | null = null;
  /** Kafka: per partition this member folded, the last offset and when the store recorded its event. */
  private readonly partitions = new Map<number, { offset: bigint; recordedAt: string | undefined }>();
  /** Embedded: when the store recorded the last folded event. */
  private lastRecordedAt: string | undefined;
  private lagSample: { at: number; value: Promise<{ partition: string; events: number; seconds: number }[]> } | undefined;

  constructor(
    @Inject(EventStore) private readonly eventStore: EventStore,
    @Inject(ReadStore) private readonly readStore: ReadStore,
    @Inject(CustomerProjection) projection: CustomerProjection,
    @Inject(ServingGeneration) serving: ServingGeneration,
    @Inject(MessagePublisher) private readonly publisher: MessagePublisher,
    @Inject(MessageBroker) private readonly broker: MessageBroker,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    health: HealthRegistry,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {
    const embedded = config.TRANSPORT === 'in-process';
    // The measures judge SLAs by the same policy the views are folded with: the generation's (its store, its policy).
    const measures = new WeakMap<ReadStore, InteractionMeasuresStore>();
    const measuresIn = (target: { readStore: ReadStore; projection: CustomerProjection }) => {
      let store = measures.get(target.readStore);
      if (!store) {
        store = new InteractionMeasuresStore(target.readStore, target.projection instanceof RelationshipProjection ? { policy: target.projection.policy } : {});
        measures.set(target.readStore, store);
      }
      return store;
    };
    // Events the fold threw on, recorded as dead letters before the batch's views and checkpoint
    // (npm run dead-letters redrives them once the cause is fixed).
    const failures: FailedEvent[] = [];
    this.runner = new ProjectionRunner(eventStore, readStore, projection, {
      batchSize: config.PROJECTOR_BATCH_SIZE,
      beforeCommit: async (applied, source, target) => {
        await recordDeadLetters(target.readStore, failures.splice(0));
        await measuresIn(target).apply(applied, source.shard);
      },
      // Folds into the generation being served: a blue-green rebuild's switch moves it between batches.
      follow: () => {
        const pinned = serving.pin();
        return { generation: pinned.generation.id, readStore: pinned.readStore, projection: pinned.projection };
      },
      onFailed: (failure) => {
        failures.push(failure);
        this.metrics?.deadLetters.inc({ source: 'fold' });
        const { event, error } = failure;
        this.logger.error(`event ${event.eventId} (${event.type}, position ${event.position}) skipped, dead-lettered: ${error.message}`);
      },
      onCommit: embedded
        ? (result) => {
            this.observe(result);
            if (result.lastRecordedAt !== undefined) this.lastRecordedAt = result.lastRecordedAt;
            return this.publishDownstream(result);
          }
        : undefined,
      // Its customers' views stay in memory between batches; the population pass's segment writes are the only other writer.
      ...(config.PROJECTOR_CACHE_VIEWS > 0 ? { owned: { maxViews: config.PROJECTOR_CACHE_VIEWS, otherWriters: () => otherViewWriters(readStore) } } : {}),
    });
    health.register('projector', () => this.status());
    metrics?.sample('crm_projector_lag_events', async () => (await this.lag()).map(({ partition, events }) => ({ labels: { partition }, value: events })));
    metrics?.sample('crm_projector_lag_seconds', async () => (await this.lag()).map(({ partition, seconds }) => ({ labels: { partition }, value: seconds })));
    metrics?.sample('crm_dead_letters_pending', async () => [{ value: (await deadLetterSummary(this.readStore)).pending }]);
  }

  /**
   * How far behind the projector is, per partition it folds (`log`: the embedded store): events
   * stored (or on the partition) and not folded yet, and while any wait, the seconds since the
   * store recorded the last folded event (0 when none waits).
   */
  lag(): Promise<{ partition: string; events: number; seconds: number }[]> {
    // One scrape reads both lag gauges, and readiness may ask at the same moment: one measurement (one admin round trip) serves them for 200 ms.
    const now = Date.now();
    if (this.lagSample === undefined || now - this.lagSample.at > LAG_SAMPLE_MS) this.lagSample = { at: now, value: this.measureLag() };
    return this.lagSample.value;
  }

  private async measureLag(): Promise<{ partition: string; events: number; seconds: number }[]> {
    const seconds = (events: number, recordedAt: string | undefined) => (events > 0 && recordedAt !== undefined ? Math.max(0, (Date.now() - Date.parse(recordedAt)) / 1000) : 0);
    if (!this.kafkaProjector) {
      const events = Math.max(0, (await this.eventStore.headPosition()) - this.runner.position);
      return [{ partition: 'log', events, seconds: seconds(events, this.lastRecordedAt) }];
    }
    const ends = await this.broker.endOffsets(this.topics.interactions);
    return [...this.partitions]
      .sort(([a], [b]) => a - b)
      .map(([partition, { offset, recordedAt }]) => {
        const end = ends.get(partition);
        const events = end === undefined ? 0 : Math.max(0, Number(BigInt(end) - offset - 1n));
        return { partition: String(partition), events, seconds: seconds(events, recordedAt) };
      });
  }

  private observe(result: BatchResult): void {
    if (tracingEnabled() && result.timings && result.appliedEvents) traceBatch(result.appliedEvents, result.timings, result.applied);
    if (!this.metrics) return;
    this.metrics.projectorEvents.inc(result.applied);
    this.metrics.projectorBatchEvents.observe(result.applied + result.skipped + result.failed.length);
    if (result.timings) {
      this.metrics.foldDuration.observe(result.timings.foldMs / 1000);
      this.metrics.commitDuration.observe(result.timings.commitMs / 1000);
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.broker.ensureTopics(platformTopics(this.config.KAFKA_PARTITIONS, this.topics));
    if (this.config.TRANSPORT === 'kafka') {
      this.kafkaProjector = new KafkaProjector(this.runner, this.broker, this.publisher, {
        groupId: this.config.PROJECTOR_GROUP_ID,
        topics: this.topics,
        // The partitions may have moved: views of customers another instance now folds must not be reused.
        onAssignment: () => this.runner.dropOwnedViews(),
        onError: (error) => {
          this.metrics?.clientErrors.inc({ client: 'kafka' });
          this.lastError = { at: new Date().toISOString(), message: error.message };
          this.logger.error(`batch failed, the consumer restarts and retries it: ${error.message}`);
        },
        onBatch: ({ partition, result, deadLetters, lastOffset }) => {
          const deadLettered = deadLetters.length;
          this.lastError = null;
          this.processed += result.applied;
          this.observe(result);
          if (deadLettered > result.failed.length) this.metrics?.deadLetters.inc({ source: 'message' }, deadLettered - result.failed.length);
          if (lastOffset !== undefined) this.partitions.set(partition, { offset: BigInt(lastOffset), recordedAt: result.lastRecordedAt ?? this.partitions.get(partition)?.recordedAt });
          // Each one with where it was, its key and why: what the on-call engineer greps for.
          for (const { message, reason } of deadLetters) {
            this.logger.warn(`dead letter: ${message.topic}[${message.partition}]@${message.offset} key ${JSON.stringify(message.key)} sent to ${this.topics.interactionsDlq}: ${reason.slice(0, 500)}`);
          }
        },
      });
      await this.kafkaProjector.start();
      this.logger.log(`consuming ${this.topics.interactions} in group ${this.config.PROJECTOR_GROUP_ID}`);
    } else {
      await this.runner.start();
      this.logger.log(`projecting from the event store after position ${this.runner.position}`);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.kafkaProjector) await this.kafkaProjector.stop();
    else await this.runner.stop();
    this.logger.log('stopped');
  }

  async status(): Promise<Record<string, unknown>> {
    if (this.kafkaProjector) {
      // Failing batches make the projector not ready (the orchestrator sees it), while it keeps retrying.
      if (this.lastError) throw new Error(`last batch failed at ${this.lastError.at}: ${this.lastError.message}`);
      const lag = await this.lag();
      return {
        source: this.topics.interactions,
        applied: this.processed,
        // Per partition this member folded: events on it not folded yet, and the seconds they wait.
        lag: Object.fromEntries(lag.map(({ partition, events, seconds }) => [partition, { events, seconds: Math.round(seconds * 10) / 10 }])),
        viewsHeld: this.runner.ownedViews,
        deadLetters: await deadLetterSummary(this.readStore),
      };
    }
    const head = await this.eventStore.headPosition();
    const checkpoint = this.runner.position;
    return { source: 'event-store', checkpoint, head, lag: Math.max(0, head - checkpoint), viewsHeld: this.runner.ownedViews, deadLetters: await deadLetterSummary(this.readStore) };
  }

  /** Embedded: stage changes go on the in-process bus (GET /v1/changes streams them); views are in the read store. */
  private async publishDownstream(result: BatchResult): Promise<void> {
    await this.publisher.publish(this.topics.relationshipChanges, result.changes.map((c) => ({ key: c.customerId, value: JSON.stringify(c) })));
  }
}

/**
 * The fold and the read-store commit of a batch, as spans of each event's own trace (the one its
 * publish started), recorded once the batch is committed: "where did event X go" ends here.
 */
function traceBatch(events: readonly StoredInteractionEvent[], timings: { foldMs: number; commitMs: number }, batchEvents: number): void {
  const end = Date.now();
  const committing = end - timings.commitMs;
  const folding = committing - timings.foldMs;
  for (const event of events) {
    const traceparent = traceparentOf(event);
    if (traceparent === undefined) continue;
    const parent = contextOf(traceparent);
    const attributes = { 'crm.event_id': event.eventId, 'crm.customer_position': event.position, 'crm.batch_events': batchEvents };
    recordSpan('projector.fold', parent, { start: folding, end: committing }, attributes);
    recordSpan('readstore.commit', parent, { start: committing, end }, attributes);
  }
}
