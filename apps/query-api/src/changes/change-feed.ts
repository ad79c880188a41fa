import { BeforeApplicationShutdown, Inject, Injectable, Logger, MessageEvent, OnApplicationBootstrap } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { EMPTY, Observable, Subject, Subscriber, interval, map, merge, takeUntil } from 'rxjs';
import { APP_CONFIG, AppConfig } from '@crm/config';
import { HealthRegistry, TOPIC_NAMES, TopicNames } from '@crm/infrastructure';
import { ConsumerHandle, IncomingMessage, MessageBatch, MessageBroker, parseMessageJson, platformTopics } from '@crm/messaging';
import { ChangeBuffer, StreamedChange, changeId } from './change-buffer';

/** SSE event types of GET /v1/changes. */
export const CHANGE_EVENT = 'relationship-change';
export const RESET_EVENT = 'reset';

/** How long shutdown waits for the ended streams' responses to go out. */
const RESPONSES_END_TIMEOUT_MS = 2000;

/** A change is a small flat object; anything bigger or deeper is not one. */
const CHANGE_LIMITS = { maxBytes: 64 * 1024, maxDepth: 2 };

/**
 * The change stream of this process: ONE consumer of crm.relationship-changes.v1 (a group of
 * its own, from the end, started at boot) fanned out to every connected client, with the last
 * CHANGES_BUFFER_SIZE changes kept so that a client reconnecting with Last-Event-ID gets what
 * it missed. At shutdown every stream ends, so the HTTP server can close.
 */
@Injectable()
export class ChangeFeed implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ChangeFeed');
  private readonly buffer: ChangeBuffer;
  /** Each client and the promise that its response is over (sent to the end, or the client left). */
  private readonly clients = new Map<Subscriber<MessageEvent>, Promise<void>>();
  private readonly closing = new Subject<void>();
  private closed = false;
  private handle: ConsumerHandle | null = null;
  private received = 0;
  private lastError: { at: string; message: string } | null = null;
  /** One per process; several query-api instances each get every change. */
  readonly groupId = `crm-changes-${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(
    @Inject(MessageBroker) private readonly broker: MessageBroker,
    @Inject(TOPIC_NAMES) private readonly topics: TopicNames,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    health: HealthRegistry,
  ) {
    this.buffer = new ChangeBuffer(config.CHANGES_BUFFER_SIZE);
    health.register('changes', async () => this.status());
  }

  async onApplicationBootstrap(): Promise<void> {
    const topic = this.topics.relationshipChanges;
    await this.broker.ensureTopics(platformTopics(this.config.KAFKA_PARTITIONS, this.topics).filter((t) => t.topic === topic));
    this.handle = await this.broker.consume({
      topic,
      groupId: this.groupId,
      fromBeginning: false,
      onError: (error) => {
        this.lastError = { at: new Date().toISOString(), message: error.message };
        this.logger.error(`the change consumer restarts: ${error.message}`);
      },
      eachBatch: async (batch) => this.receive(batch),
    });
    this.logger.log(`streaming ${topic} to GET /v1/changes (group ${this.groupId}, keeping ${this.buffer.capacity} changes)`);
  }

  /**
   * Ends every stream and waits until each response is out: only then is its keep-alive
   * connection idle, which the HTTP server's close() ends at once (it would wait for the
   * keep-alive timeout of a connection still busy). Then leaves the group.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.closed = true;
    const open = this.clients.size;
    const responses = [...this.clients.values()];
    this.closing.next();
    this.closing.complete();
    await Promise.race([Promise.all(responses), new Promise((resolve) => setTimeout(resolve, RESPONSES_END_TIMEOUT_MS).unref())]);
    await this.handle?.stop();
    this.handle = null;
    this.logger.log(`stopped (${open} stream(s) ended)`);
  }

  get connections(): number {
    return this.clients.size;
  }

  /**
   * One client's stream: with `lastEventId`, first the held changes received after it (or a
   * reset event when that id is not held), then every change as it comes, and a comment line
   * every CHANGES_HEARTBEAT_SEC. Completes at shutdown. `responseClosed` settles when the
   * HTTP response is over.
   */
  stream(lastEventId: string | undefined, responseClosed: Promise<void> = Promise.resolve()): Observable<MessageEvent> {
    if (this.closed) return EMPTY;
    const changes = new Observable<MessageEvent>((subscriber) => {
      // Replay and subscription in one synchronous step: no change falls between them.
      if (lastEventId !== undefined) {
        const resume = this.buffer.after(lastEventId);
        if (resume.found) resume.changes.forEach((c) => subscriber.next(toEvent(c)));
        else subscriber.next(this.resetEvent(lastEventId, resume.reason));
      }
      this.clients.set(subscriber, responseClosed);
      return () => this.clients.delete(subscriber);
    });
    const heartbeat = interval(this.config.CHANGES_HEARTBEAT_SEC * 1000).pipe(map((): MessageEvent => ({ comment: 'heartbeat' })));
    return merge(changes, heartbeat).pipe(takeUntil(this.closing));
  }

  private async receive(batch: MessageBatch): Promise<void> {
    for (const message of batch.messages) {
      const change = toStreamedChange(message);
      if (!change) {
        this.logger.warn(`${message.topic} partition ${message.partition} offset ${message.offset} is not a change: skipped`);
        continue;
      }
      if (!this.buffer.add(change)) continue; // redelivered
      this.received++;
      const event = toEvent(change);
      for (const client of this.clients.keys()) client.next(event);
    }
    this.lastError = null;
  }

  /** The client may have missed changes: it re-reads the state it needs, then follows from the newest change held. */
  private resetEvent(lastEventId: string, reason: 'malformed' | 'expired' | 'unknown'): MessageEvent {
    const newest = this.buffer.newest;
    return {
      type: RESET_EVENT,
      // The newest held change (or none): the next reconnect resumes from here, not from the stale id again.
      id: newest?.id ?? '',
      data: JSON.stringify({
        reason,
        lastEventId: lastEventId.slice(0, 100),
        oldestHeld: this.buffer.oldest?.id ?? null,
        newestHeld: newest?.id ?? null,
        detail: 'changes after lastEventId may be missing: re-read the views you follow (GET /v1/customers/{id}) or the history (crm.relationship-changes.v1); the stream continues live',
      }),
    };
  }

  private status() {
    return {
      source: this.topics.relationshipChanges,
      groupId: this.groupId,
      streams: this.clients.size,
      received: this.received,
      held: this.buffer.size,
      newestHeld: this.buffer.newest?.id ?? null,
      // A failing consumer is reported, not made a readiness failure: the rest of the API still answers.
      lastError: this.lastError,
    };
  }
}

function toEvent(change: StreamedChange): MessageEvent {
  return { type: CHANGE_EVENT, id: change.id, data: change.data };
}

/** A change message with its id, or null for anything that is not one (never throws). */
export function toStreamedChange(message: Pick<IncomingMessage, 'value' | 'valueBytes'>): StreamedChange | null {
  const json = parseMessageJson(message, CHANGE_LIMITS);
  if (!json.ok || typeof json.value !== 'object' || json.value === null) return null;
  const { position, key, customerId } = json.value as Record<string, unknown>;
  if (typeof position !== 'number' || typeof key !== 'string' || typeof customerId !== 'string') return null;
  const id = changeId(position, key);
  return id === null ? null : { id, position, data: message.value! };
}
