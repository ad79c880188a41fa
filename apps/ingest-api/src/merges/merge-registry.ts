import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { InteractionEvent } from '@crm/contracts';
import { EventStore, StreamNotFoundError, type NewEvent } from '@crm/event-store';
import {
  MERGE_REGISTERED,
  MERGE_REGISTRY_STREAM,
  MERGE_WITHDRAWN,
  MergeRegistryEntryData,
  MergeRegistryState,
  registeredEntryId,
  withdrawnEntryId,
} from './merge-registry.state';
import type { PlannedMerge } from './merge-routing';

/**
 * The ingest's map merged id → survivor, folded from the registry stream (`crm-merges`): loaded
 * at start, then brought up to date before each append by reading the stream from the last
 * revision it knows (usually nothing new: one indexed read), so the merges another ingest
 * instance accepted are seen by the next command here. Merges of this instance are serialized
 * (`exclusive`): each is checked against the registry as it is once the previous one is stored.
 */
@Injectable()
export class MergeRegistry implements OnModuleInit {
  private readonly logger = new Logger(MergeRegistry.name);
  readonly state = new MergeRegistryState();
  /** The next revision of the registry stream to read. */
  private nextRevision = 0;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private ignoredLogged = 0;

  constructor(@Inject(EventStore) private readonly store: EventStore) {}

  async onModuleInit(): Promise<void> {
    try {
      await this.refresh();
      this.logger.log(`merge registry loaded: ${this.state.size} merged id(s)`);
    } catch (error) {
      // Not fatal here: every command refreshes first and fails (503) while the store cannot be read.
      this.logger.warn(`merge registry not loaded at start (${String(error)}); the first command loads it`);
    }
  }

  /**
   * Reads what was appended to the registry since the last read. Concurrent callers share a read
   * that has not started yet (it will see everything committed before they called); a read
   * already running may have missed their commit, so they wait for the next one.
   */
  refresh(): Promise<void> {
    if (this.queued !== undefined) return this.queued;
    if (this.running === undefined) return (this.running = this.startRead());
    const queued = this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return (this.running = this.startRead());
      });
    this.queued = queued;
    return queued;
  }

  /** Runs `task` after every merge task started before it on this instance has finished. */
  exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.lock.then(task, task);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** The registry entry of a planned merge: its id derives from the merge's eventId, so a retry is a duplicate. */
  registration(merge: PlannedMerge, event: InteractionEvent): NewEvent {
    const data: MergeRegistryEntryData = { mergedCustomerId: merge.merged, survivorCustomerId: merge.survivor, mergeEventId: merge.mergeEventId, attempt: merge.attempt };
    return {
      eventId: registeredEntryId(merge.mergeEventId, merge.attempt),
      type: MERGE_REGISTERED,
      data,
      metadata: { mergeEventId: merge.mergeEventId, occurredAt: event.occurredAt, source: event.source },
    };
  }

  withdrawal(merge: PlannedMerge, reason: string): NewEvent {
    const data: MergeRegistryEntryData = { mergedCustomerId: merge.merged, survivorCustomerId: merge.survivor, mergeEventId: merge.mergeEventId, attempt: merge.attempt, reason };
    return { eventId: withdrawnEntryId(merge.mergeEventId, merge.attempt), type: MERGE_WITHDRAWN, data, metadata: { mergeEventId: merge.mergeEventId } };
  }

  private startRead(): Promise<void> {
    const read: Promise<void> = this.readNew().finally(() => {
      if (this.running === read) this.running = undefined;
    });
    return read;
  }

  private async readNew(): Promise<void> {
    try {
      for await (const entry of this.store.readStream(MERGE_REGISTRY_STREAM, { fromRevision: this.nextRevision })) {
        this.state.apply(entry);
        this.nextRevision = entry.revision + 1;
      }
    } catch (error) {
      if (!(error instanceof StreamNotFoundError)) throw error;
    }
    for (; this.ignoredLogged < this.state.ignored.length; this.ignoredLogged++) {
      const { entryId, why } = this.state.ignored[this.ignoredLogged];
      this.logger.warn(`merge registry entry ${entryId} passed by: ${why} (an earlier entry won)`);
    }
  }
}
