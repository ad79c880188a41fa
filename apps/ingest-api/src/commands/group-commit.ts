import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { EventStore, type StreamAppend, type StreamAppendOutcome } from '@crm/event-store';
import { APP_CONFIG, type AppConfig } from '@crm/config';
import { Metrics } from '@crm/infrastructure';

/** The settings the group commit reads (AppConfig, validated at start). */
export type GroupCommitConfig = Pick<AppConfig, 'INGEST_COALESCE_MS' | 'INGEST_COALESCE_MAX_EVENTS'>;

interface Pending {
  appends: readonly StreamAppend[];
  events: number;
  resolve: (outcomes: StreamAppendOutcome[]) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: the appends of concurrent requests go to the store in one `appendToStreams`
 * call (SQLite: one transaction, one fsync). The first waiting append starts the group; it is
 * committed when a turn of the event loop brings no new request (everything that had arrived,
 * e.g. during the previous commit's fsync, has joined), at the latest `INGEST_COALESCE_MS`
 * after the first, or as soon as `INGEST_COALESCE_MAX_EVENTS` events wait. A request is never
 * split; each request gets the outcomes of its own appends, only after the commit returned
 * (durable).
 */
@Injectable()
export class GroupCommit implements OnModuleDestroy {
  private readonly logger = new Logger(GroupCommit.name);
  private queue: Pending[] = [];
  private queuedEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  private idleCheck: NodeJS.Immediate | undefined;
  /** Requests queued since the last idle check. */
  private arrivals = 0;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(EventStore) private readonly store: EventStore,
    @Inject(APP_CONFIG) private readonly config: GroupCommitConfig,
    @Optional() @Inject(Metrics) private readonly metrics?: Metrics,
  ) {}

  /** The outcome of each append of this request, in order, once it is durable. */
  append(appends: readonly StreamAppend[]): Promise<StreamAppendOutcome[]> {
    return new Promise((resolve, reject) => {
      const events = appends.reduce((sum, append) => sum + append.events.length, 0);
      this.queue.push({ appends, events, resolve, reject });
      this.queuedEvents += events;
      this.arrivals++;
      if (this.config.INGEST_COALESCE_MS === 0 || this.queuedEvents >= this.config.INGEST_COALESCE_MAX_EVENTS) this.flush();
      else {
        this.timer ??= setTimeout(() => this.flush(), this.config.INGEST_COALESCE_MS);
        this.idleCheck ??= setImmediate(() => this.checkIdle());
      }
    });
  }

  /**
   * Runs once per turn of the event loop while appends wait: when a whole turn (which reads
   * every request that has arrived) brought no new one, waiting longer gathers nothing.
   */
  private checkIdle(): void {
    this.idleCheck = undefined;
    if (this.queue.length === 0) return;
    if (this.arrivals === 0) this.flush();
    else {
      this.arrivals = 0;
      this.idleCheck = setImmediate(() => this.checkIdle());
    }
  }

  /** Commits what is waiting and lets the commits in flight finish, so no request is left unanswered. */
  async onModuleDestroy(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.idleCheck !== undefined) clearImmediate(this.idleCheck);
    this.idleCheck = undefined;
    this.arrivals = 0;
    while (this.queue.length > 0) {
      const group: Pending[] = [];
      let events = 0;
      while (this.queue.length > 0 && (group.length === 0 || events + this.queue[0].events <= this.config.INGEST_COALESCE_MAX_EVENTS)) {
        const next = this.queue.shift() as Pending;
        group.push(next);
        events += next.events;
      }
      this.queuedEvents -= events;
      const commit = this.commit(group);
      this.inFlight.add(commit);
      void commit.finally(() => this.inFlight.delete(commit));
    }
  }

  private async commit(group: Pending[]): Promise<void> {
    try {
      const started = performance.now();
      const outcomes = await this.store.appendToStreams(group.flatMap((pending) => pending.appends));
      this.metrics?.appendDuration.observe((performance.now() - started) / 1000);
      this.metrics?.appendEvents.observe(group.reduce((sum, pending) => sum + pending.events, 0));
      let from = 0;
      for (const pending of group) {
        pending.resolve(outcomes.slice(from, from + pending.appends.length));
        from += pending.appends.length;
      }
    } catch (error) {
      if (group.length === 1) {
        group[0].reject(error);
        return;
      }
      // A failure of the whole call (not one stream's): each request alone, so one cannot fail the others.
      this.logger.warn(`a group commit of ${group.length} requests failed (${String(error)}); committing them one by one`);
      await Promise.all(group.map((pending) => this.commit([pending])));
    }
  }
}
