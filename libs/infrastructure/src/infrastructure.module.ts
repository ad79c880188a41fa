import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit, Optional, Provider } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { EventStore } from '@crm/event-store';
import { InProcessBroker, InProcessBus, InProcessPublisher, KafkaBroker, KafkaPublisher, MessageBroker, MessagePublisher, createKafka } from '@crm/messaging';
import { ReadStore, ReadStoreGenerations } from '@crm/read-store';
import { ApiKeyGuard, DEFAULT_RATE } from './auth/api-key.guard';
import { ApiKeyRegistry } from './auth/api-key-registry';
import { parseRate } from './auth/api-keys';
import { describeConnections, kafkaOptions } from './connection-options';
import { HealthController } from './health/health.controller';
import { Metrics } from './observability/metrics';
import { MetricsController } from './observability/metrics.controller';
import { HealthRegistry } from './health/health.registry';
import { openEventStore } from './open-event-store';
import { openReadStoreGenerations } from './open-read-store';
import { TOPIC_NAMES, topicNames } from './topic-names';

/** Closes the adapters last, after the apps' own shutdown hooks stopped using them. */
@Injectable()
class AdapterLifecycle implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Infrastructure');
  constructor(
    @Inject(EventStore) private readonly eventStore: EventStore,
    @Inject(ReadStore) private readonly readStore: ReadStore,
    @Inject(ReadStoreGenerations) private readonly generations: ReadStoreGenerations,
    @Inject(MessagePublisher) private readonly publisher: MessagePublisher,
    @Inject(MessageBroker) private readonly broker: MessageBroker,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly health: HealthRegistry,
    @Optional() @Inject(ApiKeyRegistry) private readonly keys?: ApiKeyRegistry,
  ) {}

  onModuleInit(): void {
    this.health.register('eventStore', async () => ({ adapter: this.config.EVENT_STORE, head: await this.eventStore.headPosition() }));
    this.health.register('readStore', async () => ({
      adapter: this.config.READ_STORE,
      generation: this.generations.active.id,
      location: this.generations.describe(this.generations.active.id),
      views: await this.readStore.countViews(),
    }));
    this.logger.log(`adapters: event store ${this.config.EVENT_STORE}, read store ${this.config.READ_STORE}, transport ${this.config.TRANSPORT}`);
    const connections = describeConnections(this.config);
    if (connections) this.logger.log(`connections: ${connections}`);
    if (this.keys) this.logger.log(`API keys: ${this.keys.size} from ${this.keys.source}`);
  }

  async onApplicationShutdown(): Promise<void> {
    this.keys?.close();
    await Promise.allSettled([this.publisher.close(), this.broker.close()]);
    await Promise.allSettled([this.eventStore.close(), this.generations.close()]);
    this.logger.log('adapters closed');
  }
}

/**
 * The composition root's choice of adapters: the apps depend on the ports (EventStore,
 * ReadStore, MessagePublisher, MessageBroker) and this module binds them from configuration.
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: AppConfig, options: { http?: boolean } = {}): DynamicModule {
    const kafka = config.TRANSPORT === 'kafka' ? createKafka(kafkaOptions(config)) : null;
    const bus = config.TRANSPORT === 'in-process' ? new InProcessBus(config.KAFKA_PARTITIONS) : null;
    const http = options.http !== false;
    // Every HTTP route: the key, its scope and its rate.
    const access: Provider[] = http
      ? [
          { provide: ApiKeyRegistry, useFactory: () => ApiKeyRegistry.fromConfig(config) },
          { provide: DEFAULT_RATE, useValue: parseRate(config.RATE_LIMIT) },
          { provide: APP_GUARD, useClass: ApiKeyGuard },
        ]
      : [];
    return {
      module: InfrastructureModule,
      controllers: http ? [HealthController, MetricsController] : [],
      providers: [
        ...access,
        { provide: APP_CONFIG, useValue: config },
        { provide: TOPIC_NAMES, useValue: topicNames(config) },
        { provide: EventStore, useFactory: () => openEventStore(config) },
        // Every reader and writer of views follows the generation being served (blue-green rebuilds).
        { provide: ReadStoreGenerations, useFactory: () => openReadStoreGenerations(config, { pollMs: config.GENERATION_POLL_MS }) },
        { provide: ReadStore, useFactory: (generations: ReadStoreGenerations) => generations.readStore, inject: [ReadStoreGenerations] },
        { provide: MessagePublisher, useFactory: () => (kafka ? new KafkaPublisher(kafka) : new InProcessPublisher(bus!)) },
        { provide: MessageBroker, useFactory: () => (kafka ? new KafkaBroker(kafka) : new InProcessBroker(bus!)) },
        HealthRegistry,
        { provide: Metrics, useFactory: () => new Metrics() },
        AdapterLifecycle,
      ],
      exports: [APP_CONFIG, TOPIC_NAMES, EventStore, ReadStore, ReadStoreGenerations, MessagePublisher, MessageBroker, HealthRegistry, Metrics, ...(http ? [ApiKeyRegistry] : [])],
    };
  }
}
