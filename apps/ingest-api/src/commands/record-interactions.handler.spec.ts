import { Logger } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@crm/config';
import { CUSTOMER_STREAM_PREFIX, sampleEvent, sampleEventId, type InteractionEvent } from '@crm/contracts';
import { EventIdConflictError, SqliteEventStore, WrongExpectedRevisionError, toStoredInteractionEvent } from '@crm/event-store';
import { collect } from '@crm/testing';
import { CustomerMergeRefusedError } from '../merges/customer-merge-refused.error';
import { MergeRegistry } from '../merges/merge-registry';
import { MERGE_REGISTERED, MERGE_REGISTRY_STREAM, MERGE_WITHDRAWN, registeredEntryId } from '../merges/merge-registry.state';
import { GroupCommit } from './group-commit';
import { RecordInteractionsCommand } from './record-interactions.command';
import { PUBLISHED_CUSTOMER_ID, RecordInteractionsHandler } from './record-interactions.handler';
import { randomBytes } from 'node:crypto';
import { DataKeys, InMemoryKeyStore, openPersonalData } from '@crm/privacy';

describe('RecordInteractionsHandler: identity merges (embedded store)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let handler: RecordInteractionsHandler;
  let registry: MergeRegistry;
  let storeCalls: number;
  let n = 1000;
  let keys: DataKeys;

  const ingest = async () => {
    const groupCommit = new GroupCommit(store, loadConfig({ INGEST_COALESCE_MS: '2' }));
    const merges = new MergeRegistry(store);
    await merges.onModuleInit();
    keys = new DataKeys({ store: new InMemoryKeyStore(), masterKey: randomBytes(32) });
    return { handler: new RecordInteractionsHandler(groupCommit, merges, keys), merges };
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'crm-merge-handler-'));
    store = SqliteEventStore.open({ dataDir: dir });
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    ({ handler, merges: registry } = await ingest());
    storeCalls = 0;
    const original = store.appendToStreams.bind(store);
    jest.spyOn(store, 'appendToStreams').mockImplementation((appends) => {
      storeCalls++;
      return original(appends);
    });
  });
  afterEach(async () => {
    jest.restoreAllMocks();
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const merge = (survivor: string, merged: string, eventId = sampleEventId(n++)): InteractionEvent =>
    sampleEvent('CustomersMerged', { eventId, customerId: survivor, data: { mergedCustomerId: merged } });
  const purchase = (customerId: string, eventId = sampleEventId(n++)): InteractionEvent => sampleEvent('PurchaseMade', { eventId, customerId });
  const run = (events: InteractionEvent[], expectedRevision?: number | 'any') => handler.execute(new RecordInteractionsCommand(events, expectedRevision));
  const stream = async (streamId: string) => collect(store.readStream(streamId));

  it('stores personal data sealed, under the customer it is stored as: a merged id’s later registration opens with the survivor’s key', async () => {
    const registered = sampleEvent('CustomerRegistered', { eventId: sampleEventId(n++), customerId: 'P' });
    await run([registered, purchase('P')]);
    const [stored, plain] = (await stream('customer-P')).map(toStoredInteractionEvent);
    const data = stored.data as Record<string, string>;
    expect(data.acquisitionChannel).toBe(registered.data.acquisitionChannel);
    for (const field of ['displayName', 'email', 'phone'] as const) {
      expect(data[field]).toMatch(/^pii:1:1:/);
      expect(data[field]).not.toContain(registered.data[field]!);
    }
    expect(plain.data).toEqual(sampleEvent('PurchaseMade').data);
    expect((await openPersonalData([stored], keys)).get(registered.eventId)).toEqual({
      displayName: { state: 'clear', value: registered.data.displayName },
      email: { state: 'clear', value: registered.data.email },
      phone: { state: 'clear', value: registered.data.phone },
    });

    await run([merge('S2', 'M2')]);
    const later = sampleEvent('CustomerRegistered', { eventId: sampleEventId(n++), customerId: 'M2', data: { displayName: 'Grace Hopper' } });
    await run([later]);
    const routed = (await stream('customer-S2')).map(toStoredInteractionEvent).find((e) => e.eventId === later.eventId)!;
    expect(routed.customerId).toBe('S2');
    expect((await openPersonalData([routed], keys)).get(later.eventId)?.displayName).toEqual({ state: 'clear', value: 'Grace Hopper' });
    await keys.destroy(['S2'], '2026-12-01T00:00:00Z');
    expect((await openPersonalData([routed], keys)).get(later.eventId)?.displayName).toEqual({ state: 'erased' });
  });

  it('stores the merge in the survivor’s stream and its registry entry in the same store call, the entry first', async () => {
    const m = merge('S', 'M');
    const [outcome] = await run([m]);
    expect(storeCalls).toBe(1);
    expect(outcome).toMatchObject({ status: 'stored', streamId: 'customer-S' });
    expect(outcome).not.toHaveProperty('survivorCustomerId');
    const [stored] = await stream('customer-S');
    expect(toStoredInteractionEvent(stored)).toMatchObject({ eventId: m.eventId, type: 'CustomersMerged', customerId: 'S', data: { mergedCustomerId: 'M' } });
    const [entry] = await stream(MERGE_REGISTRY_STREAM);
    expect(entry).toMatchObject({
      eventId: registeredEntryId(m.eventId, 0),
      type: MERGE_REGISTERED,
      data: { mergedCustomerId: 'M', survivorCustomerId: 'S', mergeEventId: m.eventId, attempt: 0 },
    });
    expect(entry.position).toBeLessThan(stored.position);
    expect(await store.headPosition()).toBe(stored.position);
    // No reader of the customer streams sees the registry.
    const customerEvents = await collect(store.readAll({ streamPrefix: CUSTOMER_STREAM_PREFIX }));
    expect(customerEvents.map((e) => e.streamId)).toEqual(['customer-S']);
    expect(await store.count({ streamPrefix: CUSTOMER_STREAM_PREFIX })).toBe(1);
  });

  it('stores a later event for M in S’s stream with customerId S, the published id in the metadata and the outcome', async () => {
    await run([purchase('M')]);
    await run([merge('S', 'M')]);
    const later = purchase('M');
    const [outcome] = await run([later]);
    expect(outcome).toMatchObject({ status: 'stored', streamId: 'customer-S', survivorCustomerId: 'S', eventId: later.eventId });
    const last = (await stream('customer-S')).at(-1)!;
    expect(last.metadata).toMatchObject({ customerId: 'S', [PUBLISHED_CUSTOMER_ID]: 'M' });
    expect(toStoredInteractionEvent(last)).toMatchObject({ customerId: 'S', eventId: later.eventId, data: later.data });
    expect((await stream('customer-M')).map((e) => e.type)).toEqual(['PurchaseMade']);
    // A retry of it is a duplicate in S's stream.
    expect((await run([later]))[0]).toMatchObject({ status: 'duplicate', streamId: 'customer-S', survivorCustomerId: 'S', position: last.position });
  });

  it('follows chains: M→S then S→T stores M’s and S’s later events as T’s', async () => {
    await run([merge('S', 'M')]);
    await run([merge('T', 'S')]);
    const outcomes = await run([purchase('M'), purchase('S'), purchase('T')]);
    expect(outcomes.map((o) => [o.streamId, 'survivorCustomerId' in o ? o.survivorCustomerId : undefined])).toEqual([
      ['customer-T', 'T'],
      ['customer-T', 'T'],
      ['customer-T', undefined],
    ]);
    expect((await stream('customer-T')).map((e) => e.metadata[PUBLISHED_CUSTOMER_ID])).toEqual([undefined, 'M', 'S', undefined]);
  });

  it('refuses a cycle, a merged id merged again and a merged survivor; nothing of the command is stored', async () => {
    await run([merge('S', 'M')]);
    const head = await store.headPosition();
    await expect(run([merge('M', 'S')])).rejects.toMatchObject({ refusals: [expect.objectContaining({ reason: 'cycle' })] });
    await expect(run([purchase('X'), merge('X', 'M')])).rejects.toBeInstanceOf(CustomerMergeRefusedError);
    await expect(run([merge('M', 'Q')])).rejects.toMatchObject({ refusals: [expect.objectContaining({ reason: 'survivor-merged', currentSurvivorCustomerId: 'S' })] });
    expect(await store.headPosition()).toBe(head);
  });

  it('is idempotent: the same merge again is a duplicate in both streams, even after the survivor was merged on', async () => {
    const m = merge('S', 'M');
    const [first] = await run([m]);
    const [again] = await run([m]);
    expect(again).toMatchObject({ status: 'duplicate', streamId: 'customer-S', position: (first as { position: number }).position });
    await run([merge('T', 'S')]);
    expect((await run([m]))[0]).toMatchObject({ status: 'duplicate', streamId: 'customer-S' });
    expect(await stream(MERGE_REGISTRY_STREAM)).toHaveLength(2);
  });

  it('answers a retry of an event stored for M before the merge as its original (a duplicate in customer-M)', async () => {
    const before = purchase('M');
    const [original] = await run([before]);
    await run([merge('S', 'M')]);
    const fresh = purchase('M');
    const outcomes = await run([before, fresh]);
    expect(outcomes[0]).toMatchObject({ status: 'duplicate', streamId: 'customer-M', position: (original as { position: number }).position });
    expect(outcomes[0]).not.toHaveProperty('survivorCustomerId');
    expect(outcomes[1]).toMatchObject({ status: 'stored', streamId: 'customer-S', survivorCustomerId: 'S' });
    expect((await run([before]))[0]).toMatchObject({ status: 'duplicate', streamId: 'customer-M' });
  });

  it('withdraws the registry entry when the merge event is not stored, and registers it again on a retry that is', async () => {
    const taken = purchase('OTHER');
    await run([taken]);
    // The merge's eventId belongs to another customer: the survivor's append fails, the entry is withdrawn.
    const bad = merge('S', 'M', taken.eventId);
    await expect(run([bad])).rejects.toBeInstanceOf(EventIdConflictError);
    expect((await stream(MERGE_REGISTRY_STREAM)).map((e) => e.type)).toEqual([MERGE_REGISTERED, MERGE_WITHDRAWN]);
    expect((await run([purchase('M')]))[0]).toMatchObject({ streamId: 'customer-M' });
    // A guarded merge whose expectedRevision does not match: withdrawn too; the corrected retry registers attempt 1.
    const guarded = merge('S2', 'M2');
    await expect(run([guarded], 5)).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect((await run([guarded]))[0]).toMatchObject({ status: 'stored', streamId: 'customer-S2' });
    const entries = await stream(MERGE_REGISTRY_STREAM);
    expect(entries.slice(2).map((e) => [e.type, (e.data as { attempt: number }).attempt])).toEqual([[MERGE_REGISTERED, 0], [MERGE_WITHDRAWN, 0], [MERGE_REGISTERED, 1]]);
    expect((await run([purchase('M2')]))[0]).toMatchObject({ streamId: 'customer-S2', survivorCustomerId: 'S2' });
  });

  it('sees another ingest instance’s merges before its next append, and a restart loads the registry', async () => {
    const other = await ingest();
    await other.handler.execute(new RecordInteractionsCommand([merge('S', 'M')]));
    expect((await run([purchase('M')]))[0]).toMatchObject({ streamId: 'customer-S', survivorCustomerId: 'S' });
    await expect(run([merge('M', 'S')])).rejects.toBeInstanceOf(CustomerMergeRefusedError);
    const restarted = await ingest();
    expect(restarted.merges.state.survivorOf('M')).toBe('S');
    expect(registry.state.survivorOf('M')).toBe('S');
  });

  it('serializes concurrent conflicting merges of one instance: one stored, the other refused', async () => {
    const results = await Promise.allSettled([run([merge('A', 'B')]), run([merge('B', 'A')])]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(await stream(MERGE_REGISTRY_STREAM)).toHaveLength(1);
  });
});
