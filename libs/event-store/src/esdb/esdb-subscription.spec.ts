import { PassThrough } from 'node:stream';
import type { AllStreamResolvedEvent, AllStreamSubscription } from '@eventstore/db-client';
import { collect, within } from '@crm/testing';
import { EventStoreUnavailableError, type RecordedEvent } from '../event-store.port';
import { EsdbSubscription } from './esdb-subscription';

/**
 * The client's subscription is an object-mode readable that, like the real one, does not end when
 * unsubscribed. These tests drive the wrapper's own logic (racing close against a pending read,
 * conversion, errors) over such a readable; the server side is covered by the int-spec.
 */
function fakeSource(): { source: AllStreamSubscription; unsubscribed: () => number; readable: PassThrough } {
  const readable = new PassThrough({ objectMode: true });
  let unsubscribes = 0;
  const source = Object.assign(readable, {
    unsubscribe: async () => {
      unsubscribes++;
    },
  }) as unknown as AllStreamSubscription;
  return { source, unsubscribed: () => unsubscribes, readable };
}

const resolved = (streamId: string, commit: number): AllStreamResolvedEvent =>
  ({
    event: {
      streamId,
      id: `id-${commit}`,
      isJson: true,
      revision: 0n,
      type: 'T',
      created: new Date(0),
      data: {},
      metadata: undefined,
      position: { commit: BigInt(commit), prepare: BigInt(commit) },
    },
    commitPosition: BigInt(commit),
  }) as AllStreamResolvedEvent;

/** Keeps events of streams starting with 'a-', as the store's converter filters by prefix. */
const convert = (entry: AllStreamResolvedEvent): RecordedEvent | undefined => {
  const event = entry.event;
  if (event === undefined || !event.streamId.startsWith('a-')) return undefined;
  return {
    streamId: event.streamId,
    eventId: event.id,
    type: event.type,
    data: event.data,
    metadata: {},
    revision: 0,
    position: Number(event.position.commit),
    recordedAt: event.created.toISOString(),
  };
};

describe('EsdbSubscription', () => {
  it('yields converted events, skipping the ones the converter drops', async () => {
    const { source, readable } = fakeSource();
    const subscription = new EsdbSubscription(source, { convert, onClosed: () => undefined });
    readable.write(resolved('a-1', 10));
    readable.write(resolved('b-1', 20));
    readable.write(resolved('a-2', 30));

    const seen: number[] = [];
    for await (const event of subscription) {
      seen.push(event.position);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([10, 30]);
  });

  it('close() resolves a pending next() with done, unsubscribes once and tells the store', async () => {
    const { source, unsubscribed } = fakeSource();
    const closed: EsdbSubscription[] = [];
    const subscription = new EsdbSubscription(source, { convert, onClosed: (s) => closed.push(s) });
    const iterator = subscription[Symbol.asyncIterator]();
    const pending = iterator.next();

    await subscription.close();
    await subscription.close();

    await expect(within(pending, 1000, 'pending next()')).resolves.toEqual({ done: true, value: undefined });
    await expect(within(iterator.next(), 1000, 'next() after close')).resolves.toMatchObject({ done: true });
    expect(unsubscribed()).toBe(1);
    expect(closed).toEqual([subscription]);
  });

  it('breaking out of the loop closes it', async () => {
    const { source, unsubscribed, readable } = fakeSource();
    const subscription = new EsdbSubscription(source, { convert, onClosed: () => undefined });
    readable.write(resolved('a-1', 1));
    for await (const _event of subscription) break;
    expect(unsubscribed()).toBe(1);
    expect(readable.destroyed).toBe(true);
  });

  it('surfaces a stream error as the mapped store error', async () => {
    const { source, readable } = fakeSource();
    const subscription = new EsdbSubscription(source, { convert, onClosed: () => undefined });
    const consumed = collect(subscription);
    readable.destroy(Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14 }));
    await expect(consumed).rejects.toBeInstanceOf(EventStoreUnavailableError);
  });

  it('keeps an error that arrives before iteration starts, and raises it on iteration', async () => {
    const { source, readable } = fakeSource();
    const subscription = new EsdbSubscription(source, { convert, onClosed: () => undefined });
    readable.destroy(Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14 }));
    await new Promise((resolve) => setImmediate(resolve));
    await expect(collect(subscription)).rejects.toBeInstanceOf(EventStoreUnavailableError);
  });

  it('treats the server ending the subscription as an outage, not as the end of the log', async () => {
    const { source, readable } = fakeSource();
    const subscription = new EsdbSubscription(source, { convert, onClosed: () => undefined });
    readable.write(resolved('a-1', 1));
    readable.end();
    const seen: RecordedEvent[] = [];
    const error = await (async () => {
      try {
        for await (const event of subscription) seen.push(event);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(seen).toHaveLength(1);
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
  });
});
