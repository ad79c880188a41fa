import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { EventStore } from '@crm/event-store';
import { traceparentOf } from '@crm/contracts';
import { HealthRegistry, Metrics, TOPIC_NAMES, TopicNames, contextOf, recordSpan, tracingEnabled } from '@crm/infrastructure';
import { MessageBroker, MessagePublisher, platformTopics } from '@crm/messaging';
import { ReadStoreGenerations } from '@crm/read-store';
import { EventRelay } from './event-relay';

/** Runs the event store → Kafka relay for the life of the app; its checkpoint lives in the read store. */
@Injectable()
export class RelayService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Relay');
  readonly relay: EventRelay;

  constructor(
    @Inject(EventStore) eventStore: EventStore,
    @Inject(MessagePublisher) publisher: MessagePublisher,
    @Inject(MessageBroker) private readonly broker: MessageBroker,
    @Inject(ReadStoreGenerations) generations: ReadStoreGenerations,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    health: HealthRegistry,
    @Optional() @Inject(Metrics) metrics?: Metrics,
  ) {
    this.relay = new EventRelay(eventStore, publisher, generations.control, {
      formerCheckpoints: generations.active.id === 0 ? generations.readStore : undefined,
      topic: topics.interactions,
      onPublishError: (error, attempt) => {
        metrics?.clientErrors.inc({ client: 'kafka' });
        this.logger.warn(`publish failed (attempt ${attempt + 1}), retrying: ${error.message}`);
      },
      onPublished: ({ events, published, startedAt }) => {
        metrics?.relayEvents.inc(events);
        if (!tracingEnabled()) return;
        const end = Date.now();
        for (const event of published) {
          const traceparent = traceparentOf(event);
          if (traceparent !== undefined) recordSpan('relay.publish', contextOf(traceparent), { start: startedAt, end }, { 'crm.event_id': event.eventId, 'messaging.destination.name': topics.interactions });
        }
      },
    });
    health.register('relay', () => this.relay.status());
    metrics?.sample('crm_relay_lag_events', async () => [{ value: (await this.relay.status()).lag }]);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.broker.ensureTopics(platformTopics(this.config.KAFKA_PARTITIONS, this.topics));
    await this.relay.start();
    this.logger.log(`relaying to ${this.topics.interactions} after position ${this.relay.position}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}
