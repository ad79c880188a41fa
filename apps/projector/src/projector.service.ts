import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { EventStore } from '@crm/event-store';
import { HealthRegistry, TOPIC_NAMES, TopicNames } from '@crm/infrastructure';
import { MessageBroker, MessagePublisher, platformTopics } from '@crm/messaging';
import { ReadStore } from '@crm/read-store';
import { CustomerProjection } from '@crm/projection';
import { InteractionMeasuresStore } from '@crm/projection';
import { KafkaProjector } from './kafka-projector';
import { RelationshipProjection } from '@crm/projection';
import { BatchResult, FailedEvent, ProjectionRunner, ServingGeneration, deadLetterSummary, otherViewWriters, recordDeadLetters } from '@crm/projection';

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
        const { event, error } = failure;
        this.logger.error(`event ${event.eventId} (${event.type}, position ${event.position}) skipped, dead-lettered: ${error.message}`);
      },
      onCommit: embedded ? (result) => this.publishDownstream(result) : undefined,
      // Its customers' views stay in memory between batches; the population pass's segment writes are the only other writer.
      ...(config.PROJECTOR_CACHE_VIEWS > 0 ? { owned: { maxViews: config.PROJECTOR_CACHE_VIEWS, otherWriters: () => otherViewWriters(readStore) } } : {}),
    });
    health.register('projector', () => this.status());
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
          this.lastError = { at: new Date().toISOString(), message: error.message };
          this.logger.error(`batch failed, the consumer restarts and retries it: ${error.message}`);
        },
        onBatch: ({ result, deadLettered }) => {
          this.lastError = null;
          this.processed += result.applied;
          if (deadLettered > 0) this.logger.warn(`${deadLettered} message(s) sent to ${this.topics.interactionsDlq}`);
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
      return { source: this.topics.interactions, applied: this.processed, viewsHeld: this.runner.ownedViews, deadLetters: await deadLetterSummary(this.readStore) };
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
