import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { extname, join } from 'node:path';
import { IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { RebuildOptions, RebuildStatus, ServingGeneration, isCancellablePhase, unfinishedRebuild } from '@crm/projection';
import type { RebuildWorkerData, RebuildWorkerMessage } from './rebuild.worker';
import { Metrics } from '@crm/infrastructure';

interface RebuildJob {
  status: RebuildStatus | null;
  worker: Worker;
  done: Promise<void>;
}

/** The worker's entry: compiled JavaScript next to this file, or its TypeScript source under the tests. */
const WORKER_FILE = join(__dirname, `rebuild.worker${extname(__filename)}`);

/** TypeScript sources (the tests) need the loader the worker does not inherit from jest. */
function workerRuntime(): { execArgv?: string[]; env?: NodeJS.ProcessEnv } {
  if (extname(__filename) !== '.ts') return {};
  return { execArgv: ['-r', '@swc-node/register', '-r', 'tsconfig-paths/register'], env: { ...process.env, SWC_NODE_PROJECT: process.env.SWC_NODE_PROJECT ?? join(process.cwd(), 'tsconfig.json') } };
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
    @Inject(ServingGeneration) private readonly serving: ServingGeneration,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(Metrics) metrics?: Metrics,
  ) {
    // The latest rebuild of this process (running or finished): its progress, for a dashboard to follow.
    const latest = () => this.list().at(-1);
    metrics?.sample('crm_rebuild_events_done', () => {
      const status = latest();
      return status ? [{ labels: { rebuild: status.id, phase: status.phase }, value: status.done }] : [];
    });
    metrics?.sample('crm_rebuild_events_total', () => {
      const status = latest();
      return status ? [{ labels: { rebuild: status.id }, value: status.total }] : [];
    });
  }

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
    this.current?.worker.postMessage({ type: 'interrupt' });
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

  /** Starts a rebuild in its worker thread; resolves once its first status is known (the generation it builds). */
  async start(options: Pick<RebuildOptions, 'policy' | 'keep' | 'restart' | 'asOf' | 'verify'>): Promise<RebuildStatus> {
    if (this.current) throw new Error(`rebuild ${this.current.status?.id ?? ''} is running`);
    const data: RebuildWorkerData = {
      config: this.config,
      // Readers and projectors in other processes move within two polls of the control document.
      options: { ...options, settleMs: 2 * this.config.GENERATION_POLL_MS + 1000 },
    };
    const worker = new Worker(WORKER_FILE, { workerData: data, ...workerRuntime() });
    let first: (status: RebuildStatus) => void = () => undefined;
    let failed: (error: Error) => void = () => undefined;
    const started = new Promise<RebuildStatus>((resolve, reject) => ((first = resolve), (failed = reject)));
    // The serving thread's event-loop delay while the rebuild runs (what a read waits for the loop).
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    const job: RebuildJob = { status: null, worker, done: Promise.resolve() };
    this.current = job;
    job.done = new Promise<void>((resolve) => {
      worker.on('message', (message: RebuildWorkerMessage) => {
        if (message.type === 'progress') {
          const switched = job.status !== null && job.status.phase === 'switch' && message.status.phase !== 'switch';
          if (!job.status) {
            this.jobs.set(message.status.id, job);
            while (this.jobs.size > 10) this.jobs.delete(this.jobs.keys().next().value as string);
          }
          job.status = { ...message.status, servingEventLoopDelayMs: delayOf(loopDelay) };
          first(job.status);
          // The worker switched the control document: this process's readers and projector move now.
          if (switched) void this.serving.generations.refresh().catch((error: Error) => this.logger.error(`re-reading the generations failed: ${error.message}`));
          return;
        }
        // Over: the next may start. It closes its stores and ends; one that hangs is stopped.
        if (this.current === job) this.current = null;
        setTimeout(() => void worker.terminate(), 10_000).unref();
        if (message.type === 'finished') {
          const status = job.status!;
          this.logger.log(`rebuild ${status.id}: generation ${status.generation} (${status.projectionVersion}) served, ${status.views} views`);
        } else if (message.name === 'RebuildInterruptedError') this.logger.warn('rebuild interrupted by the shutdown: start it again to resume it');
        else if (message.name !== 'RebuildCancelledError') {
          this.logger.error(`rebuild failed: ${message.message}`);
          failed(new Error(message.message));
        }
      });
      worker.on('error', (error) => {
        this.logger.error(`rebuild worker failed: ${error.message}`);
        if (job.status) job.status = { ...job.status, phase: 'failed', error: error.message, finishedAt: new Date().toISOString() };
        failed(error);
      });
      worker.on('exit', () => {
        loopDelay.disable();
        if (this.current === job) this.current = null;
        void this.serving.generations.refresh().catch(() => undefined);
        resolve();
      });
    });
    return started;
  }

  /** Cancels the running rebuild if it has not switched yet; false when it has (or is not running). */
  cancel(id: string): boolean {
    const job = this.jobs.get(id);
    if (!job || job !== this.current || !job.status || !isCancellablePhase(job.status.phase)) return false;
    job.worker.postMessage({ type: 'cancel' });
    return true;
  }
}

/** Event-loop delay percentiles in milliseconds (the histogram counts nanoseconds). */
function delayOf(histogram: IntervalHistogram): { p50: number; p99: number; max: number } {
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  return { p50: ms(histogram.percentile(50)), p99: ms(histogram.percentile(99)), max: ms(histogram.max) };
}
