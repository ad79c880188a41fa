import {
  AccessDeniedError,
  DeadlineExceededError,
  MaxAppendSizeExceededError,
  StreamNotFoundError as ClientStreamNotFoundError,
  UnavailableError,
  WrongExpectedVersionError,
  type AllStreamJSONRecordedEvent,
} from '@eventstore/db-client';
import {
  EventStoreError,
  EventStoreUnavailableError,
  StreamNotFoundError,
  WrongExpectedRevisionError,
} from '../event-store.port';
import {
  checkExpectedRevision,
  isDefiniteAppendFailure,
  isUserEvent,
  toClientConnectionString,
  toClientExpectedRevision,
  toClientReadPosition,
  toEventData,
  toPortActualRevision,
  toPortPosition,
  toRecordedEvent,
  toStoreError,
} from './esdb.mapping';

const wrongVersion = (current: bigint | 'no_stream') =>
  new WrongExpectedVersionError(undefined, { streamName: 's-1', expected: 'no_stream', current });

describe('expected revision mapping', () => {
  it('maps the port values to the client constants and numbers to bigints', () => {
    expect(toClientExpectedRevision('any')).toBe('any');
    expect(toClientExpectedRevision('no_stream')).toBe('no_stream');
    expect(toClientExpectedRevision('stream_exists')).toBe('stream_exists');
    expect(toClientExpectedRevision(0)).toBe(0n);
    expect(toClientExpectedRevision(41)).toBe(41n);
  });

  it('rejects an unknown value', () => {
    expect(() => toClientExpectedRevision('latest' as never)).toThrow(TypeError);
  });

  it("maps the server's current revision to the port's actual", () => {
    expect(toPortActualRevision('no_stream')).toBe('no_stream');
    expect(toPortActualRevision(-1n)).toBe('no_stream');
    expect(toPortActualRevision(0n)).toBe(0);
    expect(toPortActualRevision(7n)).toBe(7);
  });

  it('checks empty appends like the server checks real ones', () => {
    expect(() => checkExpectedRevision('s', 'any', null)).not.toThrow();
    expect(() => checkExpectedRevision('s', 'no_stream', null)).not.toThrow();
    expect(() => checkExpectedRevision('s', 'stream_exists', 0)).not.toThrow();
    expect(() => checkExpectedRevision('s', 3, 3)).not.toThrow();
    const cases: Array<[Parameters<typeof checkExpectedRevision>[1], number | null, number | 'no_stream']> = [
      ['no_stream', 2, 2],
      ['stream_exists', null, 'no_stream'],
      [0, null, 'no_stream'],
      [1, 2, 2],
    ];
    for (const [expected, head, actual] of cases) {
      let thrown: unknown;
      try {
        checkExpectedRevision('s', expected, head);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(WrongExpectedRevisionError);
      expect(thrown).toMatchObject({ streamId: 's', expected, actual });
    }
  });
});

describe('positions', () => {
  it('uses the commit position, exactly, as the port position', () => {
    expect(toPortPosition({ commit: 0n, prepare: 0n })).toBe(0);
    expect(toPortPosition({ commit: 123_456_789n, prepare: 123_456_789n })).toBe(123_456_789);
    expect(toPortPosition({ commit: BigInt(Number.MAX_SAFE_INTEGER), prepare: 0n })).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses a position a number cannot hold exactly rather than rounding it', () => {
    expect(() => toPortPosition({ commit: BigInt(Number.MAX_SAFE_INTEGER) + 1n, prepare: 0n })).toThrow(RangeError);
  });

  it('starts reads at the start for -1 and at the event position otherwise', () => {
    expect(toClientReadPosition(-1)).toBe('start');
    expect(toClientReadPosition(0)).toEqual({ commit: 0n, prepare: 0n });
    expect(toClientReadPosition(98_304)).toEqual({ commit: 98_304n, prepare: 98_304n });
  });
});

describe('error mapping', () => {
  it('maps a wrong expected version to the port error with the caller’s expectation and the actual revision', () => {
    const mapped = toStoreError(wrongVersion(4n), { streamId: 's-1', expected: 2 });
    expect(mapped).toBeInstanceOf(WrongExpectedRevisionError);
    expect(mapped).toMatchObject({ streamId: 's-1', expected: 2, actual: 4, retriable: true });

    const missing = toStoreError(wrongVersion('no_stream'), { streamId: 's-1', expected: 'stream_exists' });
    expect(missing).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
  });

  it('falls back to what the server reported when the call context is missing', () => {
    expect(toStoreError(wrongVersion(1n))).toMatchObject({ streamId: 's-1', expected: 'no_stream', actual: 1 });
  });

  it('maps stream-not-found to the port error (not retriable)', () => {
    const mapped = toStoreError(new ClientStreamNotFoundError(undefined, 'orders-9'), { streamId: 'orders-9' });
    expect(mapped).toBeInstanceOf(StreamNotFoundError);
    expect(mapped).toMatchObject({ streamId: 'orders-9', retriable: false });
  });

  it('maps outages to a retriable EventStoreUnavailableError keeping the cause', () => {
    const outages: Error[] = [
      new UnavailableError(undefined, 'No connection established'),
      new DeadlineExceededError(),
      Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14 }),
      new Error('Failed to discover after 10 attempts.'),
      new Error('connect ECONNREFUSED 127.0.0.1:2113'),
    ];
    for (const outage of outages) {
      const mapped = toStoreError(outage);
      expect(mapped).toBeInstanceOf(EventStoreUnavailableError);
      expect(mapped).toBeInstanceOf(EventStoreError);
      expect((mapped as EventStoreUnavailableError).retriable).toBe(true);
      expect((mapped as Error).cause).toBe(outage);
    }
  });

  it('leaves other errors alone, so a misconfiguration does not look retriable', () => {
    const denied = new AccessDeniedError();
    expect(toStoreError(denied)).toBe(denied);
    const bug = new TypeError('x is undefined');
    expect(toStoreError(bug)).toBe(bug);
    expect(toStoreError('not an error')).toBe('not an error');
  });

  it('says which append failures prove nothing was stored', () => {
    expect(isDefiniteAppendFailure(wrongVersion(0n))).toBe(true);
    expect(isDefiniteAppendFailure(MaxAppendSizeExceededError.fromMaxAppendSize(1024))).toBe(true);
    expect(isDefiniteAppendFailure(new AccessDeniedError())).toBe(true);
    // The append may have been stored before the answer was lost.
    expect(isDefiniteAppendFailure(new DeadlineExceededError())).toBe(false);
    expect(isDefiniteAppendFailure(new UnavailableError())).toBe(false);
    expect(isDefiniteAppendFailure(new Error('socket hang up'))).toBe(false);
  });
});

describe('events', () => {
  const record = (overrides: Partial<AllStreamJSONRecordedEvent> = {}): AllStreamJSONRecordedEvent =>
    ({
      streamId: 'customer-C1',
      id: '0b5e7c1e-9d1f-4bb2-9f7c-3c1f6d0f2a11',
      isJson: true,
      revision: 3n,
      type: 'PurchaseMade',
      created: new Date('2026-03-14T09:22:05.123Z'),
      data: { amount: 4599 },
      metadata: { customerId: 'C1' },
      position: { commit: 5000n, prepare: 5000n },
      ...overrides,
    }) as AllStreamJSONRecordedEvent;

  it('converts a client record to the port shape', () => {
    expect(toRecordedEvent(record())).toEqual({
      streamId: 'customer-C1',
      eventId: '0b5e7c1e-9d1f-4bb2-9f7c-3c1f6d0f2a11',
      type: 'PurchaseMade',
      data: { amount: 4599 },
      metadata: { customerId: 'C1' },
      revision: 3,
      position: 5000,
      recordedAt: '2026-03-14T09:22:05.123Z',
    });
  });

  it('reads missing or non-object metadata back as an empty object', () => {
    expect(toRecordedEvent(record({ metadata: undefined })).metadata).toEqual({});
    expect(toRecordedEvent(record({ metadata: [1, 2] as never })).metadata).toEqual({});
  });

  it('requires a position (servers before 22.6 do not send it on stream reads) and JSON content', () => {
    expect(() => toRecordedEvent(record({ position: undefined as never }))).toThrow(/22\.6/);
    expect(() => toRecordedEvent(record({ isJson: false as never }))).toThrow(/not JSON/);
  });

  it('writes JSON events with the caller’s id, undefined data as null', () => {
    expect(toEventData({ eventId: 'e-1', type: 'T', data: 42.5 })).toEqual({
      id: 'e-1',
      contentType: 'application/json',
      type: 'T',
      data: 42.5,
      metadata: undefined,
    });
    expect(toEventData({ eventId: 'e-2', type: 'T', data: undefined, metadata: { a: 1 } })).toMatchObject({
      data: null,
      metadata: { a: 1 },
    });
  });

  it('hides system events, link events and the claim streams', () => {
    expect(isUserEvent('customer-C1', 'PurchaseMade', '$crm-eventid-')).toBe(true);
    expect(isUserEvent('$stats-127.0.0.1:2113', 'StatsCollected', '$crm-eventid-')).toBe(false);
    expect(isUserEvent('$ce-customer', '$>', '$crm-eventid-')).toBe(false);
    expect(isUserEvent('customer-C1', '$metadata', '$crm-eventid-')).toBe(false);
    expect(isUserEvent('$crm-eventid-e1', 'EventIdClaimed', '$crm-eventid-')).toBe(false);
    expect(isUserEvent('claims-e1', 'EventIdClaimed', 'claims-')).toBe(false);
  });
});

describe('connection string', () => {
  it('accepts the KurrentDB scheme the config allows', () => {
    expect(toClientConnectionString('kurrentdb://localhost:2113?tls=false')).toBe('esdb://localhost:2113?tls=false');
    expect(toClientConnectionString('kurrentdb+discover://a:2113,b:2113')).toBe('esdb+discover://a:2113,b:2113');
    expect(toClientConnectionString('esdb://admin:changeit@h:2113')).toBe('esdb://admin:changeit@h:2113');
  });
});
