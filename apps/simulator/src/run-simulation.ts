/**
 * The simulator's core, without the CLI: generate a history and POST it to the ingest API in
 * batches, or write it to an NDJSON file, or only count it.
 *
 * Ordering: the stream is split into `concurrency` lanes by hash(customerId); each lane posts
 * its batches one after the other, so all events of one customer travel in generation order
 * while lanes run in parallel. The HTTP, the retries and the typed answers are @crm/client's
 * (retrying a batch is safe: eventIds are the idempotency keys).
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { CrmAbortedError, CrmClient, CrmClientError, type PublishBatchResult } from '@crm/client';
import { EVENT_TYPES, type InteractionEvent, type InteractionEventType } from '@crm/contracts';
import { generateHistory, hashString, summarizeHistory, type HistoryOptions } from '@crm/simulation';

export const MAX_BATCH_SIZE = 1000;

const DAY_MS = 86_400_000;

/**
 * The first simulated instant: `start` when given, otherwise `days` before `end`, and `end`
 * defaults to the start of the current UTC day. A history that ends today keeps the demo true
 * as the calendar moves (a fixed start would leave everyone churned a year later), and the
 * same seed gives the same events all day long.
 */
export function historyStart({ start, end, days }: { start?: string; end?: string; days: number }, nowMs: number): string {
  if (start !== undefined) return start;
  const endMs = end !== undefined ? Date.parse(end) : Math.floor(nowMs / DAY_MS) * DAY_MS;
  if (Number.isNaN(endMs)) throw new SimulationError(`--end must be an ISO 8601 date-time with an offset, got ${end}`);
  return new Date(endMs - days * DAY_MS).toISOString();
}

export interface SimulationOptions {
  customers: number;
  days: number;
  seed: number;
  /** ISO date-time of the first simulated day. @defaultValue generateHistory's default */
  start?: string;
  /** @defaultValue generateHistory's default (0.01) */
  lateShare?: number;
  /** @defaultValue 'C-' */
  customerIdPrefix?: string;
  /** Base URL of the ingest API; events go to `${url}/v1/events/batch` (CrmClient's baseUrl). */
  url: string;
  /** The API key sent as `Authorization: Bearer` (a key with the publish scope). */
  apiKey?: string;
  /** Events per request, 1…1000. */
  batchSize: number;
  /** Parallel lanes (requests in flight). */
  concurrency: number;
  /** Only generate and count. */
  dryRun?: boolean;
  /** Write NDJSON to this file instead of posting. */
  out?: string;
  /** Retries of one batch on network errors, timeouts, 429, 5xx and a 207's retriable failures (CrmClient's maxRetries). @defaultValue 8 */
  maxRetries?: number;
  /** First delay of the exponential backoff, with jitter (CrmClient's retryBaseMs). @defaultValue 250 ms */
  retryBaseMs?: number;
  /** Count the events in a first pass so progress can show a total. @defaultValue true */
  countFirst?: boolean;
}

export interface ProgressReporter {
  start(total: number | undefined): void;
  /** `done` events acknowledged (posted, written or generated) so far. */
  update(done: number): void;
  stop(): void;
}

export interface SimulationDeps {
  /** The fetch CrmClient sends with. @defaultValue globalThis.fetch */
  fetch?: typeof fetch;
  log?: (line: string) => void;
  /** How CrmClient waits between retries. @defaultValue its own (a timer that the first failure of any lane cuts short) */
  sleep?: (ms: number) => Promise<void>;
  progress?: ProgressReporter;
  /** Clock for the elapsed time of the summary (ms). @defaultValue performance.now */
  now?: () => number;
}

export interface SimulationSummary {
  mode: 'post' | 'dry-run' | 'file';
  events: number;
  stored: number;
  duplicates: number;
  /**
   * Events refused as invalid. The ingest API validates a batch all-or-nothing and answers 400,
   * which stops the run with a SimulationError, so a run that finishes reports 0; the row stays
   * so the table has the same shape in every mode.
   */
  rejected: number;
  /** Events refused with 'conflict' (e.g. an eventId already used by another customer). */
  conflicts: number;
  /** Events that failed to store, after retries when the failure was retriable (and any the client skipped to keep a customer's order). */
  failed: number;
  /** Requests retried after a network error, 429, 5xx or retriable per-event failures. */
  retries: number;
  seconds: number;
  eventsPerSecond: number;
  /** Generated events per type (dry run and file modes). */
  byType?: Record<InteractionEventType, number>;
}

/** A stop the caller should report: bad options, a 4xx answer, retries exhausted. */
export class SimulationError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** The response body (problem+json) when the server sent one. */
    readonly problem?: unknown,
  ) {
    super(message);
    this.name = 'SimulationError';
  }
}

export async function runSimulation(options: SimulationOptions, deps: SimulationDeps = {}): Promise<SimulationSummary> {
  checkOptions(options);
  const history = generateHistory(historyOptions(options));
  const now = deps.now ?? (() => performance.now());
  const log = deps.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = now();
  const finish = (partial: Omit<SimulationSummary, 'seconds' | 'eventsPerSecond'>): SimulationSummary => {
    const seconds = (now() - started) / 1000;
    return { ...partial, seconds, eventsPerSecond: seconds > 0 ? partial.events / seconds : 0 };
  };

  if (options.dryRun) {
    const summary = summarizeHistory(history);
    return finish({ mode: 'dry-run', events: summary.events, stored: 0, duplicates: 0, rejected: 0, conflicts: 0, failed: 0, retries: 0, byType: summary.byType });
  }

  const progress = deps.progress;
  let total: number | undefined;
  if (progress !== undefined && options.countFirst !== false) {
    // The generator is deterministic, so a counting pass gives the exact total.
    total = 0;
    for (const _event of history) total++;
  }
  progress?.start(total);
  try {
    if (options.out !== undefined) {
      const written = await writeNdjson(history, options.out, progress);
      return finish({ mode: 'file', ...written, stored: 0, duplicates: 0, rejected: 0, conflicts: 0, failed: 0, retries: 0 });
    }
    const publisher = new LanePublisher(options, deps, log, progress);
    const posted = await publisher.publish(history);
    return finish({ mode: 'post', ...posted });
  } finally {
    progress?.stop();
  }
}

function historyOptions(options: SimulationOptions): HistoryOptions {
  return {
    customers: options.customers,
    days: options.days,
    seed: options.seed,
    ...(options.start !== undefined ? { start: options.start } : {}),
    ...(options.lateShare !== undefined ? { lateShare: options.lateShare } : {}),
    ...(options.customerIdPrefix !== undefined ? { customerIdPrefix: options.customerIdPrefix } : {}),
  };
}

function checkOptions(options: SimulationOptions): void {
  const { batchSize, concurrency } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new SimulationError(`batch size must be an integer from 1 to ${MAX_BATCH_SIZE}, got ${batchSize}`);
  }
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new SimulationError(`concurrency must be an integer >= 1, got ${concurrency}`);
  if (options.dryRun !== true && options.out === undefined) {
    try {
      new URL(options.url);
    } catch {
      throw new SimulationError(`url must be an absolute URL, got ${options.url}`);
    }
  }
  try {
    generateHistory(historyOptions(options)); // validates the history options eagerly
  } catch (error) {
    throw new SimulationError((error as Error).message);
  }
}

async function writeNdjson(
  history: Iterable<InteractionEvent>,
  file: string,
  progress: ProgressReporter | undefined,
): Promise<{ events: number; byType: Record<InteractionEventType, number> }> {
  const stream = createWriteStream(file, { encoding: 'utf8' });
  const failed = new Promise<never>((_, reject) => stream.once('error', reject));
  failed.catch(() => undefined); // raced below; this only avoids an unhandled rejection meanwhile
  const byType = Object.fromEntries(EVENT_TYPES.map((type) => [type, 0])) as Record<InteractionEventType, number>;
  let events = 0;
  for (const event of history) {
    events++;
    byType[event.type]++;
    // Respect backpressure: a year of 100k customers does not fit in the stream's buffer.
    if (!stream.write(`${JSON.stringify(event)}\n`)) await Promise.race([once(stream, 'drain'), failed]);
    if (events % 1000 === 0) progress?.update(events);
  }
  stream.end();
  await Promise.race([once(stream, 'finish'), failed]);
  progress?.update(events);
  return { events, byType };
}

interface Lane {
  buffer: InteractionEvent[];
  /** The last batch of the lane; the next one starts after it. */
  tail: Promise<void>;
  /** Batches queued or in flight, oldest first. */
  inFlight: Promise<void>[];
}

/** How many batches a lane may have queued before generation waits for it. */
const LANE_DEPTH = 2;

class LanePublisher {
  private readonly endpoint: string;
  private readonly client: CrmClient;
  /** Aborted at the first failure: the other lanes stop retrying and waiting. */
  private readonly stop = new AbortController();
  private failure: Error | undefined;
  private events = 0;
  private acknowledged = 0;
  private stored = 0;
  private duplicates = 0;
  private conflicts = 0;
  private failed = 0;
  private retries = 0;
  private problemsLogged = 0;

  constructor(
    private readonly options: SimulationOptions,
    deps: Pick<SimulationDeps, 'fetch' | 'sleep'>,
    private readonly log: (line: string) => void,
    private readonly progress: ProgressReporter | undefined,
  ) {
    this.endpoint = `${options.url.replace(/\/+$/, '')}/v1/events/batch`;
    this.client = new CrmClient({
      baseUrl: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      maxRetries: options.maxRetries ?? 8,
      retryBaseMs: options.retryBaseMs ?? 250,
      // A lane's batch is one request: the client never splits it.
      batchSize: options.batchSize,
      onRetry: ({ delayMs, retry, maxRetries, reason }) => {
        this.retries++;
        this.log(`retrying a batch in ${delayMs} ms (attempt ${retry + 1} of ${maxRetries + 1}): ${reason}`);
      },
    });
  }

  async publish(history: Iterable<InteractionEvent>): Promise<Omit<SimulationSummary, 'mode' | 'seconds' | 'eventsPerSecond'>> {
    const { batchSize, concurrency } = this.options;
    const lanes: Lane[] = Array.from({ length: concurrency }, () => ({ buffer: [], tail: Promise.resolve(), inFlight: [] }));
    for (const event of history) {
      if (this.failure !== undefined) break;
      this.events++;
      const lane = lanes[hashString(event.customerId) % concurrency];
      lane.buffer.push(event);
      if (lane.buffer.length >= batchSize) {
        this.enqueue(lane);
        // Backpressure: generation waits while this lane has enough queued.
        while (lane.inFlight.length >= LANE_DEPTH && this.failure === undefined) await lane.inFlight[0];
      }
    }
    if (this.failure === undefined) for (const lane of lanes) if (lane.buffer.length > 0) this.enqueue(lane);
    await Promise.all(lanes.map((lane) => lane.tail));
    if (this.failure !== undefined) throw this.failure;
    return {
      events: this.events,
      stored: this.stored,
      duplicates: this.duplicates,
      rejected: 0,
      conflicts: this.conflicts,
      failed: this.failed,
      retries: this.retries,
    };
  }

  private enqueue(lane: Lane): void {
    const batch = lane.buffer;
    lane.buffer = [];
    // post() never rejects (a failure is recorded), so the chain cannot break.
    const done = lane.tail.then(() => this.post(batch));
    lane.tail = done;
    lane.inFlight.push(done);
    void done.then(() => lane.inFlight.shift());
  }

  /**
   * One lane batch through the client: retried there (network errors, timeouts, 429 with its
   * Retry-After, 5xx; in a 207 only the retriable failures, alone: storage is atomic per
   * customer, so they are whole customers and keep their order). What it throws stops the run.
   */
  private async post(batch: InteractionEvent[]): Promise<void> {
    if (this.failure !== undefined) return;
    let result: PublishBatchResult;
    try {
      result = await this.client.publishBatch(batch, { signal: this.stop.signal });
    } catch (error) {
      // Aborted: another lane failed first, and its error is the one reported.
      if (!(error instanceof CrmAbortedError)) this.fail(this.simulationError(error));
      return;
    }
    this.tally(batch, result);
  }

  private simulationError(error: unknown): Error {
    if (!(error instanceof CrmClientError)) return error instanceof Error ? error : new SimulationError(String(error));
    const { status, attempts, reason } = error;
    const handedOver = error.problem ?? error.body;
    if (status !== undefined && status >= 200 && status < 300) return new SimulationError(`unexpected response to a batch: HTTP ${status}, ${reason}`, status, handedOver);
    if (error.retriable) return new SimulationError(`giving up on a batch after ${attempts} attempts: ${status === undefined ? '' : `HTTP ${status}: `}${reason}`, status, handedOver);
    return new SimulationError(`the ingest API refused a batch: HTTP ${status} from ${this.endpoint}: ${reason}`, status, handedOver);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.stop.abort();
  }

  /** Counts a settled batch and logs the first few events that were not stored. */
  private tally(batch: InteractionEvent[], result: PublishBatchResult): void {
    this.stored += result.stored;
    this.duplicates += result.duplicates;
    this.conflicts += result.conflicts;
    this.failed += result.failed + result.skipped;
    for (const entry of result.results) {
      if (entry.status === 'stored' || entry.status === 'duplicate') continue;
      if (this.problemsLogged >= 5) break;
      this.problemsLogged++;
      const event = batch[entry.index];
      const { index: _index, ...details } = entry;
      this.log(`${entry.status}: ${JSON.stringify({ ...details, type: event?.type, customerId: event?.customerId })}`);
    }
    this.acknowledged += batch.length;
    this.progress?.update(this.acknowledged);
  }
}

/** The final table, e.g. for the CLI. */
export function formatSummaryTable(summary: SimulationSummary): string {
  const rows: [string, string][] = [
    ['events', String(summary.events)],
    ['stored', String(summary.stored)],
    ['duplicates', String(summary.duplicates)],
    ['rejected', String(summary.rejected)],
    ['conflicts', String(summary.conflicts)],
    ['failed', String(summary.failed)],
    ['retries', String(summary.retries)],
    ['seconds', summary.seconds.toFixed(2)],
    ['events/s', Math.round(summary.eventsPerSecond).toString()],
  ];
  if (summary.byType !== undefined) {
    for (const [type, count] of Object.entries(summary.byType)) rows.push([`  ${type}`, String(count)]);
  }
  const left = Math.max(...rows.map(([label]) => label.length));
  const right = Math.max(...rows.map(([, value]) => value.length));
  const line = `+${'-'.repeat(left + 2)}+${'-'.repeat(right + 2)}+`;
  return [line, ...rows.map(([label, value]) => `| ${label.padEnd(left)} | ${value.padStart(right)} |`), line].join('\n');
}
