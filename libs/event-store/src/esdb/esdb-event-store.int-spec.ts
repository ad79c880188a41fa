import { randomUUID } from 'node:crypto';
import { EventStoreDBClient, NO_STREAM, jsonEvent } from '@eventstore/db-client';
import { collect, eventStoreContract, waitFor } from '@crm/testing';
import { EventIdConflictError, type NewEvent } from '../event-store.port';
import { DEFAULT_CLAIM_STREAM_PREFIX, EVENT_ID_CLAIMED, EventIdInFlightError } from './esdb-event-id-claims';
import { EsdbEventStore, type EsdbEventStoreOptions } from './esdb-event-store';
import { toClientConnectionString } from './esdb.mapping';

/**
 * The shared EventStore contract against a real EventStoreDB / KurrentDB, plus what only this
 * adapter has (claim streams). Needs ESDB_URL, e.g. esdb://localhost:2113?tls=false after
 * `docker compose up eventstoredb`. Streams are unique per test, so a shared server is fine.
 */
const url = process.env.ESDB_URL;

if (!url) {
  // Loud on purpose: a tier that did not run must not look green.
  console.warn('EventStoreDB int-spec did NOT run: ESDB_URL is not set (the EventStoreDB contract suite is unverified).');
  test.todo(
    'EventStoreDB contract suite: set ESDB_URL (e.g. esdb://localhost:2113?tls=false after docker compose up eventstoredb) — no EventStoreDB server can be obtained on this machine',
  );
} else {
  // Every append is several round trips (claim read, claim write, append, read-back); the race
  // tests retry hundreds of them, more than the 5 s default allows on a loaded CI machine.
  jest.setTimeout(60_000);
  const open = (options: Omit<EsdbEventStoreOptions, 'connectionString'> = {}) =>
    EsdbEventStore.connect({ connectionString: url, ...options });

  eventStoreContract('EsdbEventStore', async () => {
    const store = await open();
    return { store, cleanup: () => store.close() };
  });

  describe('EsdbEventStore specifics', () => {
    const namespace = () => `esdb-${randomUUID()}`;
    const newEvent = (): NewEvent => ({ eventId: randomUUID(), type: 'EsdbTested', data: {} });

    it('answers retries and detects conflicts from the server, not from one instance’s memory', async () => {
      const ns = namespace();
      const first = await open();
      const second = await open();
      try {
        const events = [newEvent(), newEvent()];
        const original = await first.appendToStream(`${ns}-a`, events);

        const retry = await second.appendToStream(`${ns}-a`, events);
        expect(retry.events.map((e) => [e.revision, e.position, e.duplicate])).toEqual(
          original.events.map((e) => [e.revision, e.position, true]),
        );
        await expect(second.appendToStream(`${ns}-b`, [events[1]])).rejects.toBeInstanceOf(EventIdConflictError);
      } finally {
        await Promise.all([first.close(), second.close()]);
      }
    });

    it('treats a claim whose event was never stored as in flight, then takes it over after the lease', async () => {
      const ns = namespace();
      const store = await open({ claimLeaseMs: 2500, appendDeadlineMs: 1000 });
      const raw = EventStoreDBClient.connectionString(toClientConnectionString(url));
      try {
        const ghost = newEvent();
        // What a claimer that crashed before its append leaves behind.
        await raw.appendToStream(
          `${DEFAULT_CLAIM_STREAM_PREFIX}${ghost.eventId}`,
          jsonEvent({ type: EVENT_ID_CLAIMED, data: { streamId: `${ns}-crashed` } }),
          { expectedRevision: NO_STREAM },
        );

        await expect(store.appendToStream(`${ns}-a`, [ghost])).rejects.toBeInstanceOf(EventIdInFlightError);

        const result = await waitFor(
          () => store.appendToStream(`${ns}-a`, [ghost]).catch((error: unknown) => {
            if (error instanceof EventIdInFlightError) return undefined;
            throw error;
          }),
          { timeoutMs: 10_000, intervalMs: 250, message: 'claim lease expiry' },
        );
        expect(result.events[0]).toMatchObject({ revision: 0, duplicate: false });
        expect((await collect(store.readStream(`${ns}-a`))).map((e) => e.eventId)).toEqual([ghost.eventId]);
      } finally {
        await Promise.all([store.close(), raw.dispose()]);
      }
    });

    it('never shows claim streams or system events in reads of the global log', async () => {
      const store = await open();
      try {
        const before = await store.headPosition();
        await store.appendToStream(`${namespace()}-a`, [newEvent(), newEvent()]);
        const all = await collect(store.readAll({ after: before }));
        expect(all.length).toBeGreaterThanOrEqual(2);
        expect(all.filter((e) => e.streamId.startsWith('$') || e.type.startsWith('$'))).toEqual([]);
      } finally {
        await store.close();
      }
    });
  });
}
