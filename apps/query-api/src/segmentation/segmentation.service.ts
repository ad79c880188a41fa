import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Optional } from '@nestjs/common';
import { Metrics } from '@crm/infrastructure';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { EventStore } from '@crm/event-store';
import { CustomerProjection, RelationshipProjection, customerHistory } from '@crm/projection';
import { ReadStore } from '@crm/read-store';
import { SegmentsReport, latestSegments, runSegmentation } from '@crm/projection';

/**
 * Runs the population pass every SEGMENTATION_INTERVAL_SEC (and on demand), one run at a
 * time. In a deployment with several query-api instances, give one of them the interval and
 * the others 0.
 */
@Injectable()
export class SegmentationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Segmentation');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<SegmentsReport> | null = null;
  private readonly projection: RelationshipProjection;

  constructor(
    @Inject(ReadStore) private readonly readStore: ReadStore,
    @Inject(CustomerProjection) projection: CustomerProjection,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(EventStore) private readonly eventStore: EventStore,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {
    if (!(projection instanceof RelationshipProjection)) throw new Error('the population pass needs the relationship projection');
    this.projection = projection;
  }

  onApplicationBootstrap(): void {
    const seconds = this.config.SEGMENTATION_INTERVAL_SEC;
    if (seconds === 0) return;
    this.timer = setInterval(() => {
      this.run(new Date().toISOString()).catch((error) => this.logger.error(`population pass failed: ${(error as Error).message}`));
    }, seconds * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Runs the pass as of `asOf`, or joins the run in progress. */
  run(asOf: string): Promise<SegmentsReport> {
    // A view whose clock is after asOf (a past refresh, an event dated later) is re-folded from its stream.
    const history = (customerId: string, position: number, merged?: readonly string[]) => customerHistory(this.eventStore, customerId, position, merged);
    this.running ??= runSegmentation(this.readStore, this.projection, asOf, { history })
      .then((report) => {
        this.metrics?.populationPass.observe(report.computedInMs / 1000);
        this.logger.log(`population pass as of ${report.asOf}: ${report.population} customers in ${report.computedInMs} ms (${report.fit.method})`);
        return report;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  /** The latest report; the first call on a fresh store computes one. */
  async latest(): Promise<SegmentsReport> {
    return (await latestSegments(this.readStore)) ?? this.run(new Date().toISOString());
  }
}
