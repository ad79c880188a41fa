import { appendStreamsConcurrently } from './append-streams-concurrently';
import { EventIdConflictError, WrongExpectedRevisionError, type AppendResult, type StreamAppend } from './event-store.port';

const append = (streamId: string, tag: string): StreamAppend => ({
  streamId,
  events: [{ eventId: tag, type: 'Tested', data: {} }],
});

const resultFor = ({ streamId, events }: StreamAppend): AppendResult => ({
  streamId,
  nextExpectedRevision: 0,
  events: events.map((e) => ({ eventId: e.eventId, revision: 0, position: 0, duplicate: false })),
});

/** A deferred append per call, so the test decides when each one settles. */
function controlledAppends() {
  const calls: { append: StreamAppend; settle: (error?: Error) => void }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const appendOne = (a: StreamAppend) =>
    new Promise<AppendResult>((resolve, reject) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      calls.push({
        append: a,
        settle: (error) => {
          inFlight--;
          if (error) reject(error);
          else resolve(resultFor(a));
        },
      });
    });
  return { calls, appendOne, maxInFlight: () => maxInFlight };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('appendStreamsConcurrently (the EventStoreDB adapter\'s appendToStreams)', () => {
  it('appends different streams concurrently, never more than the bound at once', async () => {
    const control = controlledAppends();
    const appends = Array.from({ length: 10 }, (_, i) => append(`s-${i}`, `e-${i}`));
    const done = appendStreamsConcurrently(appends, 3, control.appendOne);

    for (let settled = 0; settled < 10; settled++) {
      await tick();
      expect(control.calls.length - settled).toBeLessThanOrEqual(3);
      control.calls[settled].settle();
    }
    const outcomes = await done;
    expect(control.maxInFlight()).toBe(3);
    expect(outcomes.map((o) => [o.streamId, o.ok])).toEqual(appends.map((a) => [a.streamId, true]));
  });

  it('runs the entries of one stream one after another, in the given order', async () => {
    const control = controlledAppends();
    const appends = [append('a', 'a1'), append('b', 'b1'), append('a', 'a2'), append('a', 'a3')];
    const done = appendStreamsConcurrently(appends, 8, control.appendOne);

    await tick();
    expect(control.calls.map((c) => c.append.events[0].eventId)).toEqual(['a1', 'b1']);
    control.calls[0].settle();
    await tick();
    expect(control.calls.map((c) => c.append.events[0].eventId)).toEqual(['a1', 'b1', 'a2']);
    control.calls[2].settle();
    await tick();
    control.calls[3].settle();
    control.calls[1].settle();
    const outcomes = await done;
    expect(control.calls.map((c) => c.append.events[0].eventId)).toEqual(['a1', 'b1', 'a2', 'a3']);
    expect(outcomes.map((o) => (o.ok ? o.result.events[0].eventId : null))).toEqual(['a1', 'b1', 'a2', 'a3']);
  });

  it('gives a typed store error as that entry\'s outcome; the others are stored', async () => {
    const wrong = new WrongExpectedRevisionError('b', 0, 'no_stream');
    const conflict = new EventIdConflictError('c1', 'x');
    const outcomes = await appendStreamsConcurrently([append('a', 'a1'), append('b', 'b1'), append('c', 'c1')], 2, async (a) => {
      if (a.streamId === 'b') throw wrong;
      if (a.streamId === 'c') throw conflict;
      return resultFor(a);
    });
    expect(outcomes).toEqual([
      { streamId: 'a', ok: true, result: resultFor(append('a', 'a1')) },
      { streamId: 'b', ok: false, error: wrong },
      { streamId: 'c', ok: false, error: conflict },
    ]);
  });

  it('rejects with an unexpected failure only after every entry settled', async () => {
    const settled: string[] = [];
    const bug = new Error('read back found other events');
    const call = appendStreamsConcurrently([append('a', 'a1'), append('b', 'b1'), append('c', 'c1')], 3, async (a) => {
      if (a.streamId === 'a') throw bug;
      await tick();
      settled.push(a.streamId);
      return resultFor(a);
    });
    await expect(call).rejects.toBe(bug);
    expect(settled.sort()).toEqual(['b', 'c']);
  });

  it('answers an empty call with no outcomes', async () => {
    await expect(appendStreamsConcurrently([], 4, async () => Promise.reject(new Error('not called')))).resolves.toEqual([]);
  });
});
