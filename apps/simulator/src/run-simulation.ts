/**
 * The simulator's core, without the CLI: generate a history and POST it to the ingest API in
 * batches, or write it to an NDJSON file, or only count it.
 *
 * Ordering: the stream is split into `concurrency` lanes by hash(customerId); each lane posts
 * its batches one after the other, so all events of one customer travel in generation order
 * while lanes run in parallel. Retrying a batch is safe: eventIds are the idempotency keys.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
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
  /** Base URL of the ingest API; events go to `${url}/v1/events/batch`. */
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
  /** Retries of one batch on network errors, 429 and 5xx. @defaultValue 8 */
  maxRetries?: number;
  /** First delay of the exponential backoff. @defaultValue 250 ms */
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
  fetch?: typeof fetch;
  log?: (line: string) => void;
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
  rejected: number;
  /** Events refused with 'conflict' (e.g. an eventId already used by another customer). */
  conflicts: number;
  /** Events that failed to store, after retries when the failure was retriable. */
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

/**
 * One entry of a batch response. 'conflict' and 'failed' come with 207 (some customers stored,
 * some not); a 'failed' entry whose error is retriable is posted again.
 */
interface BatchResultEntry {
  index: number;
  eventId?: string;
  status: 'stored' | 'duplicate' | 'rejected' | 'conflict' | 'failed';
  error?: { title?: string; detail?: string; retriable?: boolean };
  [detail: string]: unknown;
}

interface BatchResponse {
  results?: BatchResultEntry[];
  stored?: number;
  duplicates?: number;
  rejected?: number;
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
    const publisher = new LanePublisher(options, deps.fetch ?? fetch, deps.sleep ?? sleep, log, progress);
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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
  private readonly maxRetries: number;
  private readonly retryBaseMs: number;
  private failure: SimulationError | undefined;
  private events = 0;
  private acknowledged = 0;
  private stored = 0;
  private duplicates = 0;
  private rejected = 0;
  private conflicts = 0;
  private failed = 0;
  private retries = 0;
  private problemsLogged = 0;

  constructor(
    private readonly options: SimulationOptions,
    private readonly fetchFn: typeof fetch,
    private readonly sleepFn: (ms: number) => Promise<void>,
    private readonly log: (line: string) => void,
    private readonly progress: ProgressReporter | undefined,
  ) {
    this.endpoint = `${options.url.replace(/\/+$/, '')}/v1/events/batch`;
    this.maxRetries = options.maxRetries ?? 8;
    this.retryBaseMs = options.retryBaseMs ?? 250;
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
      rejected: this.rejected,
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

  private async post(batch: InteractionEvent[]): Promise<void> {
    let pending = batch;
    for (let attempt = 0; ; attempt++) {
      if (this.failure !== undefined) return;
      let response: Response;
      try {
        response = await this.fetchFn(this.endpoint, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json, application/problem+json',
            ...(this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : {}),
          },
          body: JSON.stringify({ events: pending }),
        });
      } catch (error) {
        if (await this.retryOrFail(attempt, `network error: ${describeError(error)}`)) continue;
        return;
      }
      if (response.status === 429 || response.status >= 500) {
        const text = await response.text().catch(() => '');
        const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
        if (await this.retryOrFail(attempt, `HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`, retryAfterMs, response.status)) continue;
        return;
      }
      const text = await response.text();
      const parsed = parseJson(text);
      if (!response.ok) {
        this.fail(new SimulationError(`the ingest API refused a batch: HTTP ${response.status} from ${this.endpoint}`, response.status, parsed ?? text));
        return;
      }
      if (!isBatchResponse(parsed)) {
        this.fail(new SimulationError(`unexpected response to a batch: HTTP ${response.status}, body ${text.slice(0, 300)}`, response.status, parsed ?? text));
        return;
      }
      const retriable = this.tally(pending, parsed, attempt < this.maxRetries);
      if (retriable.length === 0) return;
      // Storage is atomic per customer, so the failed events are whole customers of the batch:
      // posting just them again keeps each customer's order (stored ones would be duplicates).
      pending = retriable;
      if (!(await this.retryOrFail(attempt, `${retriable.length} events failed with a retriable error (HTTP ${response.status})`))) return;
    }
  }

  /** Waits and returns true when another attempt is allowed; otherwise records the failure. */
  private async retryOrFail(attempt: number, reason: string, retryAfterMs?: number, status?: number): Promise<boolean> {
    if (attempt >= this.maxRetries) {
      this.fail(new SimulationError(`giving up on a batch after ${attempt + 1} attempts: ${reason}`, status));
      return false;
    }
    const delay = retryAfterMs ?? Math.min(30_000, this.retryBaseMs * 2 ** attempt);
    this.retries++;
    this.log(`retrying a batch in ${delay} ms (attempt ${attempt + 2} of ${this.maxRetries + 1}): ${reason}`);
    await this.sleepFn(delay);
    return this.failure === undefined;
  }

  private fail(error: SimulationError): void {
    this.failure ??= error;
  }

  /** Counts a 2xx answer; returns the events to post again (retriable failures, when allowed). */
  private tally(batch: InteractionEvent[], response: BatchResponse, mayRetry: boolean): InteractionEvent[] {
    const results = response.results ?? [];
    const count = (status: BatchResultEntry['status']) => results.filter((r) => r.status === status).length;
    this.stored += response.stored ?? count('stored');
    this.duplicates += response.duplicates ?? count('duplicate');
    this.rejected += response.rejected ?? count('rejected');
    const again: InteractionEvent[] = [];
    for (const result of results) {
      const event = batch[result.index];
      if (result.status === 'failed' && result.error?.retriable === true && mayRetry && event !== undefined) {
        again.push(event);
        continue;
      }
      if (result.status === 'conflict') this.conflicts++;
      else if (result.status === 'failed') this.failed++;
      else if (result.status !== 'rejected') continue;
      if (this.problemsLogged >= 5) continue;
      this.problemsLogged++;
      const { index: _index, ...details } = result;
      this.log(`${result.status}: ${JSON.stringify({ ...details, type: event?.type, customerId: event?.customerId })}`);
    }
    this.acknowledged += batch.length - again.length;
    this.progress?.update(this.acknowledged);
    return again;
  }
}

function isBatchResponse(value: unknown): value is BatchResponse {
  if (typeof value !== 'object' || value === null) return false;
  const { results, stored, duplicates } = value as BatchResponse;
  return (results === undefined || Array.isArray(results)) && (typeof stored === 'number' || Array.isArray(results)) && (duplicates === undefined || typeof duplicates === 'number');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unusable. */
function parseRetryAfter(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(60_000, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.min(60_000, Math.max(0, date - Date.now()));
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as Error & { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
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
