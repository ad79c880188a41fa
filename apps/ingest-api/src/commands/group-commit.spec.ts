import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EventStore,
  SqliteEventStore,
  WrongExpectedRevisionError,
  type StreamAppend,
  type StreamAppendOutcome,
} from '@crm/event-store';
import { collect } from '@crm/testing';
import { loadConfig } from '@crm/config';
import { GroupCommit } from './group-commit';

const config = (overrides: { INGEST_COALESCE_MS?: number; INGEST_COALESCE_MAX_EVENTS?: number }) =>
  loadConfig(Object.fromEntries(Object.entries(overrides).map(([k, v]) => [k, String(v)])));

const append = (streamId: string, count = 1, expectedRevision?: StreamAppend['expectedRevision']): StreamAppend => ({
  streamId,
  events: Array.from({ length: count }, (_, i) => ({ eventId: randomUUID(), type: 'GroupCommitTested', data: { i } })),
  ...(expectedRevision === undefined ? {} : { expectedRevision }),
});

const resultIds = (outcomes: StreamAppendOutcome[]) => outcomes.map((o) => (o.ok ? o.result.events.map((e) => e.eventId) : o.error.name));

/** A store whose appendToStreams the test completes by hand; records each call. */
function manualStore() {
  const calls: { appends: readonly StreamAppend[]; complete: () => void; fail: (error: Error) => void }[] = [];
  const store = {
    appendToStreams: (appends: readonly StreamAppend[]) =>
      new Promise<StreamAppendOutcome[]>((resolve, reject) => {
        calls.push({
          appends,
          complete: () =>
            resolve(
              appends.map((a) => ({
                streamId: a.streamId,
                ok: true as const,
                result: { streamId: a.streamId, nextExpectedRevision: 0, events: a.events.map((e) => ({ eventId: e.eventId, revision: 0, position: 1, duplicate: false })) },
              })),
            ),
          fail: reject,
        });
      }),
  } as unknown as EventStore;
  return { store, calls };
}

describe('GroupCommit', () => {
  let dir: string;
  let store: SqliteEventStore;
  let calls: number;
  /** Events of each store call. */
  let sizes: number[];

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crm-group-commit-'));
    store = SqliteEventStore.open({ dataDir: dir });
    calls = 0;
    sizes = [];
    const original = store.appendToStreams.bind(store);
    jest.spyOn(store, 'appendToStreams').mockImplementation((appends) => {
      calls++;
      sizes.push(appends.reduce((n, a) => n + a.events.length, 0));
      return original(appends);
    });
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('commits concurrent requests within the wait in one store call; each gets its own outcomes', async () => {
    const groupCommit = new GroupCommit(store, config({ INGEST_COALESCE_MS: 20 }));
    const requests = Array.from({ length: 16 }, (_, i) => [append(`customer-${i}`), append(`customer-${i}-b`, 2)]);

    const answers = await Promise.all(requests.map((appends) => groupCommit.append(appends)));

    expect(calls).toBe(1);
    answers.forEach((outcomes, i) => {
      expect(outcomes.map((o) => o.streamId)).toEqual([`customer-${i}`, `customer-${i}-b`]);
      expect(resultIds(outcomes)).toEqual(requests[i].map((a) => a.events.map((e) => e.eventId)));
    });
    expect(await store.count()).toBe(48);
  });

  it('fails alone the request whose stream check fails; the others in the same transaction are stored', async () => {
    const groupCommit = new GroupCommit(store, config({ INGEST_COALESCE_MS: 20 }));
    const racers = Array.from({ length: 5 }, () => groupCommit.append([append('customer-race', 1, 'no_stream')]));
    const bystander = groupCommit.append([append('customer-other', 3)]);

    const outcomes = await Promise.all([...racers, bystander]);

    expect(calls).toBe(1);
    expect(outcomes.slice(0, 5).map(([o]) => o.ok)).toEqual([true, false, false, false, false]);
    for (const [o] of outcomes.slice(1, 5)) expect(!o.ok && o.error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(outcomes[5][0].ok).toBe(true);
    expect(await collect(store.readStream('customer-race'))).toHaveLength(1);
    expect(await collect(store.readStream('customer-other'))).toHaveLength(3);
  });

  it('commits as soon as the bound on events is reached, never splitting a request', async () => {
    // A wait far longer than the test: only the bound can trigger these commits.
    const groupCommit = new GroupCommit(store, config({ INGEST_COALESCE_MS: 1000, INGEST_COALESCE_MAX_EVENTS: 10 }));

    // 4 + 4 wait (8 < 10); the third request reaches the bound: 4 + 4 commit together, its 4 next.
    await Promise.all([
      groupCommit.append([append('customer-a', 4)]),
      groupCommit.append([append('customer-b', 2), append('customer-b2', 2)]),
      groupCommit.append([append('customer-c', 4)]),
    ]);
    expect(sizes).toEqual([8, 4]);
    // A request over the bound is a transaction of its own, whole.
    const [outcome] = await groupCommit.append([append('customer-big', 25)]);
    expect(outcome.ok && outcome.result.events).toHaveLength(25);
    expect(sizes).toEqual([8, 4, 25]);
  });

  it('commits a lone request after one quiet turn of the event loop, not at the end of the wait', async () => {
    const groupCommit = new GroupCommit(store, config({ INGEST_COALESCE_MS: 1000 }));
    const started = performance.now();
    const [outcome] = await groupCommit.append([append('customer-1')]);
    expect(outcome.ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('keeps the group open while every turn brings a request, up to INGEST_COALESCE_MS', async () => {
    const groupCommit = new GroupCommit(store, config({ INGEST_COALESCE_MS: 30 }));
    const answers: Promise<StreamAppendOutcome[]>[] = [];
    const started = performance.now();
    // One request per turn for 80 ms: only the bound ends the first group.
    await new Promise<void>((done) => {
      const next = () => {
        answers.push(groupCommit.append([append(`customer-${answers.length}`)]));
        if (performance.now() - started < 80) setImmediate(next);
        else done();
      };
      next();
    });
    await Promise.all(answers);
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes[0]).toBeGreaterThan(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(answers.length);
    expect(sizes.length).toBeLessThan(answers.length);
  });

  it('answers only once the store call returned', async () => {
    const manual = manualStore();
    const groupCommit = new GroupCommit(manual.store, config({ INGEST_COALESCE_MS: 2 }));
    let answered = false;
    const answer = groupCommit.append([append('customer-1')]).then((outcomes) => {
      answered = true;
      return outcomes;
    });
    while (manual.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(answered).toBe(false);
    manual.calls[0].complete();
    expect((await answer)[0].ok).toBe(true);
  });

  it('with INGEST_COALESCE_MS=0 commits every request on its own, at once', async () => {
    const groupCommit = new GroupCommit(store, config({ INGEST_COALESCE_MS: 0 }));
    await Promise.all(Array.from({ length: 5 }, (_, i) => groupCommit.append([append(`customer-${i}`)])));
    expect(calls).toBe(5);
  });

  it('when the whole call fails, commits each request alone, so one cannot fail the others', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const manual = manualStore();
    const groupCommit = new GroupCommit(manual.store, config({ INGEST_COALESCE_MS: 5 }));
    const answers = [groupCommit.append([append('customer-1')]), groupCommit.append([append('customer-2')])].map((p) =>
      p.then(
        (outcomes) => outcomes[0].ok,
        (error: Error) => error.message,
      ),
    );
    const waitForCalls = async (n: number) => {
      while (manual.calls.length < n) await new Promise((resolve) => setTimeout(resolve, 1));
    };
    await waitForCalls(1);
    manual.calls[0].fail(new Error('disk I/O error'));
    await waitForCalls(3);
    expect(manual.calls.map((c) => c.appends.map((a) => a.streamId))).toEqual([['customer-1', 'customer-2'], ['customer-1'], ['customer-2']]);
    manual.calls[1].complete();
    manual.calls[2].fail(new Error('disk I/O error'));
    expect(await Promise.all(answers)).toEqual([true, 'disk I/O error']);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('a group commit of 2 requests failed'));
  });

  it('commits what is waiting when the module stops, so no request is left unanswered', async () => {
    const groupCommit = new GroupCommit(store, config({ INGEST_COALESCE_MS: 1000 }));
    const waiting = groupCommit.append([append('customer-1', 2)]);
    await groupCommit.onModuleDestroy();
    expect((await waiting)[0].ok).toBe(true);
    expect(await store.count()).toBe(2);
  });
});
