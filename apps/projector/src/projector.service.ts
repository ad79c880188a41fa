import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { EventStore } from '@crm/event-store';
import { ReadStore } from '@crm/read-store';
import { CustomerProjection } from './customer-projection';
import { ProjectionRunner } from './projection-runner';

/** Runs the projection loop for the life of the app: catch up from the checkpoint, then live. */
@Injectable()
export class ProjectorService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Projector');
  readonly runner: ProjectionRunner<unknown>;

  constructor(
    @Inject(EventStore) private readonly eventStore: EventStore,
    @Inject(ReadStore) readStore: ReadStore,
    @Inject(CustomerProjection) projection: CustomerProjection,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.runner = new ProjectionRunner(eventStore, readStore, projection, { batchSize: config.PROJECTOR_BATCH_SIZE });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
    this.logger.log(`projecting ${this.runner.checkpointName} from position ${this.runner.position}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.runner.stop();
    this.logger.log(`stopped at position ${this.runner.position}`);
  }

  async status(): Promise<{ checkpoint: number; head: number; lag: number }> {
    const head = await this.eventStore.headPosition();
    const checkpoint = this.runner.position;
    return { checkpoint, head, lag: Math.max(0, head - checkpoint) };
  }
}
