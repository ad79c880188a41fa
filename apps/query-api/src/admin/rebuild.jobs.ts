import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { EventStore } from '@crm/event-store';
import { RebuildCancelledError, RebuildInterruptedError, RebuildOptions, RebuildStatus, ServingGeneration, runBlueGreenRebuild, unfinishedRebuild } from '@crm/projection';

interface RebuildJob {
  status: RebuildStatus | null;
  controller: AbortController;
  interrupt: AbortController;
  done: Promise<void>;
}

/**
 * The blue-green rebuilds of this platform (one at a time): started over HTTP or by `npm run
 * rebuild` talking to it, shown while they run, cancellable until their switch. A rebuild that
 * was interrupted after its switch (settle, retire) is finished at start; one interrupted before
 * waits to be started again (it resumes from its checkpoint).
 */
@Injectable()
export class RebuildJobs implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Rebuild');
  private readonly jobs = new Map<string, RebuildJob>();
  private current: RebuildJob | null = null;

  constructor(
    @Inject(EventStore) private readonly eventStore: EventStore,
    @Inject(ServingGeneration) private readonly serving: ServingGeneration,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const unfinished = await unfinishedRebuild(this.serving.generations);
    if (!unfinished) return;
    if (unfinished.phase === 'settle' || unfinished.phase === 'retire') {
      this.logger.log(`finishing rebuild ${unfinished.id} (interrupted after its switch, in ${unfinished.phase})`);
      await this.start({});
    } else this.logger.warn(`rebuild ${unfinished.id} was interrupted in ${unfinished.phase}: start it again (npm run rebuild) to resume it`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    // Interrupted, not cancelled: its progress is saved and the next start resumes it.
    this.current?.interrupt.abort();
    await this.current?.done;
  }

  running(): RebuildStatus | null {
    return this.current?.status ?? null;
  }

  get(id: string): RebuildStatus | null {
    return this.jobs.get(id)?.status ?? null;
  }

  list(): RebuildStatus[] {
    return [...this.jobs.values()].flatMap((j) => (j.status ? [j.status] : []));
  }

  /** Starts a rebuild; resolves once its first status is known (the generation it builds). */
  async start(options: Pick<RebuildOptions, 'policy' | 'keep' | 'restart' | 'asOf' | 'verify'>): Promise<RebuildStatus> {
    if (this.current) throw new Error(`rebuild ${this.current.status?.id ?? ''} is running`);
    const controller = new AbortController();
    const interrupt = new AbortController();
    let first: (status: RebuildStatus) => void = () => undefined;
    const started = new Promise<RebuildStatus>((resolve) => (first = resolve));
    const job: RebuildJob = { status: null, controller, interrupt, done: Promise.resolve() };
    this.current = job;
    const run = runBlueGreenRebuild(this.eventStore, this.serving, {
      ...options,
      // Readers and projectors in other processes move within two polls of the control document.
      settleMs: 2 * this.config.GENERATION_POLL_MS + 1000,
      // This process serves reads meanwhile: the fold and its writes run in short synchronous steps
      // (a batch of 2,000 events holds the event loop ~20 ms; 250, a few), so a read waits little.
      batchSize: 250,
      measuresBatch: 2000,
      yieldBetweenBatches: true,
      signal: controller.signal,
      interrupt: interrupt.signal,
      onProgress: (status) => {
        if (!job.status) {
          this.jobs.set(status.id, job);
          while (this.jobs.size > 10) this.jobs.delete(this.jobs.keys().next().value as string);
        }
        job.status = status;
        first(status);
      },
    });
    job.done = run.then(
      (status) => this.logger.log(`rebuild ${status.id}: generation ${status.generation} (${status.projectionVersion}) served, ${status.views} views`),
      (error: Error) => {
        if (error instanceof RebuildInterruptedError) this.logger.warn(`rebuild interrupted by the shutdown: start it again to resume it`);
        else if (!(error instanceof RebuildCancelledError)) this.logger.error(`rebuild failed: ${error.message}`);
      },
    ).finally(() => {
      if (this.current === job) this.current = null;
    });
    return Promise.race([started, run]);
  }

  /** Cancels the running rebuild if it has not switched yet; false when it has (or is not running). */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job !== this.current || !job.status || !['views', 'measures', 'catch-up', 'population'].includes(job.status.phase)) return false;
    job.controller.abort();
    return true;
  }
}
