import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { EventStore, SqliteEventStore } from '@crm/event-store';
import { ReadStore, SqliteReadStore } from '@crm/read-store';

/** Closes the stores last, after the apps' own shutdown hooks stopped using them. */
@Injectable()
class StoreLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Infrastructure');
  constructor(
    @Inject(EventStore) private readonly eventStore: EventStore,
    @Inject(ReadStore) private readonly readStore: ReadStore,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await Promise.allSettled([this.eventStore.close(), this.readStore.close()]);
    this.logger.log('stores closed');
  }
}

/**
 * The composition root's choice of adapters: the apps depend on the ports (EventStore,
 * ReadStore) and this module binds them for the configured mode.
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(config: AppConfig): DynamicModule {
    if (config.CRM_MODE !== 'embedded') {
      throw new Error(`CRM_MODE=${config.CRM_MODE} is not available in this build yet; use CRM_MODE=embedded`);
    }
    return {
      module: InfrastructureModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        {
          provide: EventStore,
          useFactory: () => SqliteEventStore.open({ dataDir: config.DATA_DIR, pollIntervalMs: config.STORE_POLL_MS }),
        },
        { provide: ReadStore, useFactory: () => SqliteReadStore.open({ dataDir: config.DATA_DIR }) },
        StoreLifecycle,
      ],
      exports: [APP_CONFIG, EventStore, ReadStore],
    };
  }
}
