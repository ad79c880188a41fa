import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InteractionEvent } from '@crm/contracts';
import { generateHistory } from '@crm/simulation';
import { SimulationError, SimulationOptions, formatSummaryTable, historyStart, runSimulation } from './run-simulation';

const OPTIONS: SimulationOptions = { customers: 60, days: 90, seed: 5, url: 'http://ingest.test', batchSize: 25, concurrency: 4 };
const expected = [...generateHistory({ customers: OPTIONS.customers, days: OPTIONS.days, seed: OPTIONS.seed })];

interface Call {
  url: string;
  events: InteractionEvent[];
  authorization?: string;
}

/**
 * A stand-in for the ingest API: applies a batch when the request arrives (as a server would),
 * answers after a delay that varies per call, stores eventIds idempotently and answers as the
 * API does (CrmClient checks the shape: one result per event, with stream revision and
 * position). `script` can override the answer of the n-th call (0-based).
 */
function fakeIngest(script: (n: number, call: Call) => Response | Error | undefined = () => undefined) {
  const calls: Call[] = [];
  const applied: InteractionEvent[] = [];
  const storedIds = new Set<string>();
  const places = new Map<string, { streamRevision: number; position: number }>();
  const revisions = new Map<string, number>();
  const inFlightCustomers = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const overlaps: string[] = [];
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    const call: Call = {
      url: String(input),
      events: (JSON.parse(String(init?.body)) as { events: InteractionEvent[] }).events,
      authorization: (init?.headers as Record<string, string> | undefined)?.authorization,
    };
    const n = calls.push(call) - 1;
    const scripted = script(n, call);
    // Varying delays would reorder a customer's events if two of its batches were in flight.
    await new Promise((resolve) => setTimeout(resolve, (n * 7) % 5));
    if (scripted instanceof Error) throw scripted;
    if (scripted !== undefined) return scripted;
    const customers = new Set(call.events.map((e) => e.customerId));
    for (const id of customers) {
      if ((inFlightCustomers.get(id) ?? 0) > 0) overlaps.push(id);
      inFlightCustomers.set(id, (inFlightCustomers.get(id) ?? 0) + 1);
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const results = call.events.map((event, index) => {
      applied.push(event);
      return { index, ...store(event) };
    });
    await new Promise((resolve) => setTimeout(resolve, (n * 3) % 4));
    inFlight--;
    for (const id of customers) inFlightCustomers.set(id, inFlightCustomers.get(id)! - 1);
    const stored = results.filter((r) => r.status === 'stored').length;
    return json(stored > 0 ? 202 : 200, { stored, duplicates: results.length - stored, conflicts: 0, failed: 0, results });
  }) as typeof fetch;
  /** The API's answer for one event: its place in its stream, the same place again for a stored eventId. */
  const store = (event: InteractionEvent) => {
    const streamId = `customer-${event.customerId}`;
    const known = places.get(event.eventId);
    if (known !== undefined) return { eventId: event.eventId, streamId, status: 'duplicate' as const, ...known };
    const place = { streamRevision: (revisions.get(streamId) ?? -1) + 1, position: places.size + 1 };
    revisions.set(streamId, place.streamRevision);
    places.set(event.eventId, place);
    storedIds.add(event.eventId);
    return { eventId: event.eventId, streamId, status: 'stored' as const, ...place };
  };
  return { fetch: fetchFn, calls, applied, storedIds, store, overlaps, maxInFlight: () => maxInFlight };
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

/** Each backoff delay between half and all of its ceiling (CrmClient's jitter): base, 2 x base, 4 x base, … */
const expectBackoff = (delays: number[], baseMs = 250) =>
  delays.forEach((delay, retry) => {
    expect(delay).toBeGreaterThanOrEqual((baseMs * 2 ** retry) / 2);
    expect(delay).toBeLessThanOrEqual(baseMs * 2 ** retry);
  });

const noSleep = () => {
  const delays: number[] = [];
  return { delays, sleep: async (ms: number) => void delays.push(ms) };
};

const byCustomer = (events: InteractionEvent[]) => {
  const map = new Map<string, string[]>();
  for (const e of events) map.set(e.customerId, [...(map.get(e.customerId) ?? []), e.eventId]);
  return map;
};

describe('runSimulation: posting', () => {
  it('posts every event once, in batches, keeping each customer in generation order across parallel lanes', async () => {
    const server = fakeIngest();
    const logs: string[] = [];
    const summary = await runSimulation(OPTIONS, { fetch: server.fetch, log: (l) => logs.push(l) });

    expect(server.calls.every((c) => c.url === 'http://ingest.test/v1/events/batch')).toBe(true);
    expect(server.calls.every((c) => c.events.length >= 1 && c.events.length <= OPTIONS.batchSize)).toBe(true);
    expect(server.applied).toHaveLength(expected.length);
    expect(byCustomer(server.applied)).toEqual(byCustomer(expected));
    expect(server.overlaps).toEqual([]);
    expect(server.maxInFlight()).toBeGreaterThan(1); // the lanes really run in parallel
    expect(server.maxInFlight()).toBeLessThanOrEqual(OPTIONS.concurrency);
    expect(summary).toMatchObject({ mode: 'post', events: expected.length, stored: expected.length, duplicates: 0, rejected: 0, retries: 0 });
    expect(logs).toEqual([]);
  });

  it('is idempotent: the same seed again is all duplicates', async () => {
    const server = fakeIngest();
    await runSimulation(OPTIONS, { fetch: server.fetch });
    const again = await runSimulation({ ...OPTIONS, concurrency: 2, batchSize: 100 }, { fetch: server.fetch });
    expect(again).toMatchObject({ events: expected.length, stored: 0, duplicates: expected.length });
  });

  it('reports progress up to the counted total', async () => {
    const server = fakeIngest();
    const updates: number[] = [];
    let total: number | undefined;
    let stopped = false;
    await runSimulation(OPTIONS, {
      fetch: server.fetch,
      progress: { start: (t) => (total = t), update: (done) => updates.push(done), stop: () => (stopped = true) },
    });
    expect(total).toBe(expected.length);
    expect(updates[updates.length - 1]).toBe(expected.length);
    expect([...updates].sort((a, b) => a - b)).toEqual(updates);
    expect(stopped).toBe(true);
  });
});

describe('runSimulation: retries and stops', () => {
  it('retries the same batch with exponential backoff on 503, network errors and 429 (honouring Retry-After)', async () => {
    const server = fakeIngest((n) => {
      if (n === 0 || n === 1) return json(503, { title: 'Service Unavailable' });
      if (n === 2) return new TypeError('fetch failed');
      if (n === 3) return json(429, { title: 'Too Many Requests' }, { 'retry-after': '2' });
      return undefined;
    });
    const { delays, sleep } = noSleep();
    const logs: string[] = [];
    const summary = await runSimulation({ ...OPTIONS, concurrency: 1 }, { fetch: server.fetch, sleep, log: (l) => logs.push(l) });
    expect(server.calls.slice(0, 5).map((c) => c.events.map((e) => e.eventId))).toEqual(Array(5).fill(server.calls[0].events.map((e) => e.eventId)));
    expect(delays).toHaveLength(4);
    expectBackoff(delays.slice(0, 3));
    expect(delays[3]).toBe(2000); // Retry-After: 2, as it is
    expect(logs[0]).toMatch(new RegExp(`^retrying a batch in ${delays[0]} ms \\(attempt 2 of 9\\): HTTP 503`));
    expect(logs[2]).toMatch(/network error: fetch failed/);
    expect(summary).toMatchObject({ events: expected.length, stored: expected.length, retries: 4 });
    expect(byCustomer(server.applied)).toEqual(byCustomer(expected));
  });

  it('gives up after maxRetries with a SimulationError', async () => {
    const server = fakeIngest(() => json(500, { title: 'boom' }));
    const { sleep } = noSleep();
    const run = runSimulation({ ...OPTIONS, maxRetries: 2 }, { fetch: server.fetch, sleep, log: () => undefined });
    await expect(run).rejects.toThrow(/giving up on a batch after 3 attempts: HTTP 500/);
  });

  it('gives up after maxRetries of network errors, naming the cause', async () => {
    const server = fakeIngest(() => Object.assign(new TypeError('fetch failed'), { cause: new Error('connect ECONNREFUSED 127.0.0.1:3000') }));
    const { sleep } = noSleep();
    const error = await runSimulation({ ...OPTIONS, maxRetries: 1 }, { fetch: server.fetch, sleep, log: () => undefined }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulationError);
    expect((error as Error).message).toMatch(/giving up on a batch after 2 attempts: .*fetch failed \(connect ECONNREFUSED/);
  });

  it('stops the other lanes at the first failure: their retries end, nothing is posted after it', async () => {
    const problem = { type: 'https://crm-platform.dev/problems/forbidden', title: 'Scope missing', status: 403, requiredScopes: ['publish'] };
    // Lane 0 is refused; every other request answers 503, so the other lanes are retrying.
    const server = fakeIngest((n) =>
      n === 0 ? new Response(JSON.stringify(problem), { status: 403, headers: { 'content-type': 'application/problem+json' } }) : json(503, { title: 'Service Unavailable', status: 503 }),
    );
    const error = await runSimulation({ ...OPTIONS, maxRetries: 100, retryBaseMs: 5 }, { fetch: server.fetch, log: () => undefined }).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403, problem });
    const afterStop = server.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(server.calls.length).toBe(afterStop);
    expect(afterStop).toBeLessThan(OPTIONS.concurrency * 10);
  });

  it('stops at a 400 and hands over the problem body, posting nothing after it', async () => {
    const problem = {
      type: 'about:blank',
      title: 'Bad Request',
      status: 400,
      violations: [{ path: 'events[3].occurredAt', messages: ['occurredAt must be an ISO 8601 date-time'] }],
    };
    const server = fakeIngest((n) =>
      n === 1 ? new Response(JSON.stringify(problem), { status: 400, headers: { 'content-type': 'application/problem+json' } }) : undefined,
    );
    const error = await runSimulation({ ...OPTIONS, concurrency: 1 }, { fetch: server.fetch }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimulationError);
    expect(error).toMatchObject({ status: 400, problem });
    expect((error as Error).message).toMatch(/HTTP 400/);
    expect(server.calls).toHaveLength(2);
  });

  it('rejects bad options before generating anything', async () => {
    const server = fakeIngest();
    await expect(runSimulation({ ...OPTIONS, batchSize: 1001 }, { fetch: server.fetch })).rejects.toThrow(SimulationError);
    await expect(runSimulation({ ...OPTIONS, concurrency: 0 }, { fetch: server.fetch })).rejects.toThrow(SimulationError);
    await expect(runSimulation({ ...OPTIONS, url: 'not a url' }, { fetch: server.fetch })).rejects.toThrow(/absolute URL/);
    await expect(runSimulation({ ...OPTIONS, start: 'soon' }, { fetch: server.fetch })).rejects.toThrow(/start/);
    expect(server.calls).toHaveLength(0);
  });

  it('passes the key as a bearer token', async () => {
    const seen: (string | undefined)[] = [];
    const server = fakeIngest((_n, call) => void seen.push(call.authorization));
    await runSimulation({ ...OPTIONS, apiKey: 'crm_sim' }, { fetch: server.fetch });
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set(['Bearer crm_sim']));
  });
});

describe('runSimulation: 207 multi-status', () => {
  /** Answers the first call with 207: `failing` customer's events failed (retriable or not). */
  const multiStatus = (how: 'failed' | 'conflict' | 'failed-for-good', times = 1) => {
    let failing: string | undefined;
    const server = fakeIngest((n, call) => {
      if (n >= times) return undefined;
      failing ??= call.events[call.events.length - 1].customerId;
      const status = how === 'conflict' ? 'conflict' : 'failed';
      const results = call.events.map((e, index) =>
        e.customerId === failing
          ? { index, eventId: e.eventId, streamId: `customer-${e.customerId}`, status, error: { title: 'x', detail: 'y', retriable: how === 'failed' } }
          : // The fake stores the others by hand: scripted answers bypass its bookkeeping.
            { index, ...server.store(e) },
      );
      const count = (s: string) => results.filter((r) => r.status === s).length;
      return json(207, { results, stored: count('stored'), duplicates: count('duplicate'), conflicts: count('conflict'), failed: count('failed') });
    });
    return { server, failing: () => failing! };
  };

  it('posts the retriable failures again, alone and before the lane moves on', async () => {
    const { server, failing } = multiStatus('failed');
    const { delays, sleep } = noSleep();
    const summary = await runSimulation({ ...OPTIONS, concurrency: 1 }, { fetch: server.fetch, sleep, log: () => undefined });
    const failedIds = server.calls[0].events.filter((e) => e.customerId === failing()).map((e) => e.eventId);
    expect(server.calls[1].events.map((e) => e.eventId)).toEqual(failedIds);
    expect(server.calls[2].events[0].eventId).not.toBe(server.calls[0].events[0].eventId); // then the lane moves on
    expect(delays).toHaveLength(1);
    expectBackoff(delays);
    expect(summary).toMatchObject({ events: expected.length, stored: expected.length, failed: 0, conflicts: 0, retries: 1 });
  });

  it('counts and logs non-retriable conflicts without retrying them', async () => {
    const { server, failing } = multiStatus('conflict');
    const logs: string[] = [];
    const summary = await runSimulation({ ...OPTIONS, concurrency: 1 }, { fetch: server.fetch, log: (l) => logs.push(l) });
    const conflicted = server.calls[0].events.filter((e) => e.customerId === failing()).length;
    expect(summary).toMatchObject({ conflicts: conflicted, stored: expected.length - conflicted, retries: 0 });
    expect(logs[0]).toMatch(/^conflict: /);
    expect(formatSummaryTable(summary)).toMatch(new RegExp(`\\| conflicts +\\| +${conflicted} \\|`));
  });

  const run = async (server: ReturnType<typeof fakeIngest>) => {
    const logs: string[] = [];
    const { sleep } = noSleep();
    const summary = await runSimulation({ ...OPTIONS, concurrency: 1, maxRetries: 2 }, { fetch: server.fetch, sleep, log: (l) => logs.push(l) });
    return { summary, logs };
  };
  it('counts and logs failures a retry cannot store, without retrying them', async () => {
    const { server, failing } = multiStatus('failed-for-good');
    const { summary, logs } = await run(server);
    const failed = server.calls[0].events.filter((e) => e.customerId === failing()).length;
    expect(summary).toMatchObject({ failed, stored: expected.length - failed, conflicts: 0, rejected: 0, retries: 0 });
    expect(logs[0]).toMatch(/^failed: \{"eventId":.*"retriable":false/);
  });

  it('counts retriable failures as failed once the retries are spent', async () => {
    const { server, failing } = multiStatus('failed', 3);
    const { summary, logs } = await run(server);
    const failed = server.calls[0].events.filter((e) => e.customerId === failing()).length;
    expect(server.calls.slice(1, 3).map((c) => c.events.length)).toEqual([failed, failed]);
    expect(summary).toMatchObject({ failed, stored: expected.length - failed, retries: 2 });
    expect(logs.filter((l) => l.startsWith('retrying a batch'))).toHaveLength(2);
    expect(logs.some((l) => l.startsWith('failed: '))).toBe(true);
  });
});

describe('runSimulation: dry run and file output', () => {
  it('counts per type without posting', async () => {
    const server = fakeIngest();
    const summary = await runSimulation({ ...OPTIONS, dryRun: true }, { fetch: server.fetch });
    expect(server.calls).toHaveLength(0);
    expect(summary.mode).toBe('dry-run');
    expect(summary.events).toBe(expected.length);
    expect(summary.byType!.PurchaseMade).toBe(expected.filter((e) => e.type === 'PurchaseMade').length);
    expect(formatSummaryTable(summary)).toMatch(/\| events +\| +\d+ \|/);
  });

  it('writes the history as NDJSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'simulator-'));
    try {
      const file = join(dir, 'events.ndjson');
      const summary = await runSimulation({ ...OPTIONS, out: file }, {});
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      expect(lines.map((l) => JSON.parse(l) as InteractionEvent)).toEqual(expected);
      expect(summary).toMatchObject({ mode: 'file', events: expected.length });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('historyStart', () => {
  const now = Date.parse('2026-12-01T09:14:00Z');
  it('ends the window at the start of the current UTC day by default', () => {
    expect(historyStart({ days: 365 }, now)).toBe('2025-12-01T00:00:00.000Z');
    expect(historyStart({ days: 1 }, Date.parse('2026-12-01T23:59:59Z'))).toBe('2026-11-30T00:00:00.000Z');
  });
  it('counts --days back from an explicit --end', () => {
    expect(historyStart({ days: 30, end: '2026-03-31T00:00:00Z' }, now)).toBe('2026-03-01T00:00:00.000Z');
  });
  it('takes --start as given', () => {
    expect(historyStart({ days: 30, start: '2025-01-01T00:00:00Z', end: '2026-03-31T00:00:00Z' }, now)).toBe('2025-01-01T00:00:00Z');
  });
  it('names a bad --end', () => {
    expect(() => historyStart({ days: 30, end: 'yesterday' }, now)).toThrow(/--end must be an ISO 8601/);
  });
});
