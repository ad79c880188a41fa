import type { InteractionEvent, StoredInteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY, RelationshipPolicy, foldEvents } from '@crm/domain';
import { SqliteReadStore } from '@crm/read-store';
import { InteractionMeasuresStore } from './interaction-measures.store';

const DAY_MS = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const FILED = Date.parse('2026-03-01T09:00:00Z');

let position = 0;
function stored<T extends InteractionEvent['type']>(
  type: T,
  customerId: string,
  at: number,
  data: Extract<InteractionEvent, { type: T }>['data'],
  eventId = `ev-${position + 1}`,
): StoredInteractionEvent {
  position++;
  return { eventId, type, schemaVersion: 1, customerId, occurredAt: iso(at), source: 'test', data, revision: 0, position, recordedAt: iso(at) } as StoredInteractionEvent;
}
const filed = (customerId: string, complaintId: string, at: number, severity: 'low' | 'medium' | 'high' | 'critical' = 'high') =>
  stored('ComplaintFiled', customerId, at, { complaintId, category: 'delivery', severity, channel: 'phone' });
const resolved = (customerId: string, complaintId: string, at: number, o: { agentId?: string; teamId?: string; withinSla?: boolean } = {}) =>
  stored('ComplaintResolved', customerId, at, {
    complaintId,
    resolution: 'replaced',
    customerAccepted: true,
    agentId: o.agentId ?? 'ann',
    teamId: o.teamId ?? 'north',
    ...(o.withinSla === undefined ? {} : { withinSla: o.withinSla }),
  });
const contact = (agentId: string, teamId: string, at = FILED) =>
  stored('ContactLogged', 'C-contact', at, { channel: 'phone', direction: 'inbound', agentId, teamId, durationSec: 60, topic: 'x', outcome: 'resolved' });

const sla = async (store: InteractionMeasuresStore, scope: 'agent' | 'team' = 'agent', id = 'ann') => {
  const { complaintsResolved, complaintsWithinSla, complaintsOutsideSla, complaintsSlaUnknown } = (await store.measures(scope, id)).total;
  return { complaintsResolved, complaintsWithinSla, complaintsOutsideSla, complaintsSlaUnknown };
};

describe('InteractionMeasuresStore', () => {
  let readStore: SqliteReadStore;
  let store: InteractionMeasuresStore;
  beforeEach(() => {
    readStore = SqliteReadStore.open({ filename: ':memory:' });
    store = new InteractionMeasuresStore(readStore);
  });
  afterEach(() => readStore.close());

  it('judges a resolution without withinSla by the deadline of its filing from an earlier batch (deadline instant included)', async () => {
    await store.apply([filed('C-1', 'K-1', FILED), filed('C-1', 'K-2', FILED)], 'log');
    await store.apply([resolved('C-1', 'K-1', FILED + 3 * DAY_MS)], 'log');
    await store.apply([resolved('C-1', 'K-2', FILED + 3 * DAY_MS + 1000)], 'log');
    expect(await sla(store)).toEqual({ complaintsResolved: 2, complaintsWithinSla: 1, complaintsOutsideSla: 1, complaintsSlaUnknown: 0 });
    expect(await sla(store, 'team', 'north')).toMatchObject({ complaintsWithinSla: 1, complaintsOutsideSla: 1 });
  });

  it('a filing that comes in a later batch than its resolution re-judges it; replaying the batches changes nothing', async () => {
    const resolution = resolved('C-1', 'K-1', FILED + 5 * DAY_MS);
    const filing = filed('C-1', 'K-1', FILED, 'critical');
    const call = contact('ann', 'north');
    await store.apply([resolution], 'log');
    expect(await sla(store)).toMatchObject({ complaintsSlaUnknown: 1, complaintsOutsideSla: 0 });
    await store.apply([filing, call], 'log');
    const judged = await sla(store);
    expect(judged).toEqual({ complaintsResolved: 1, complaintsWithinSla: 0, complaintsOutsideSla: 1, complaintsSlaUnknown: 0 });
    await store.apply([resolution], 'log');
    await store.apply([filing, call], 'log');
    expect(await sla(store)).toEqual(judged);
    expect((await store.measures('agent', 'ann')).total.contacts).toBe(1);
  });

  it('agrees with the customer view for the same events', async () => {
    const events = [
      filed('C-2', 'K-1', FILED, 'low'),
      resolved('C-2', 'K-1', FILED + 14 * DAY_MS),
      filed('C-2', 'K-2', FILED, 'medium'),
      resolved('C-2', 'K-2', FILED + 7 * DAY_MS + 1),
      filed('C-2', 'K-3', FILED, 'critical'),
      resolved('C-2', 'K-3', FILED + 9 * DAY_MS, { withinSla: true }),
      resolved('C-2', 'K-4', FILED),
    ];
    // In two batches, the second arriving first.
    await store.apply(events.slice(3), 'log');
    await store.apply(events.slice(0, 3), 'log');
    const view = foldEvents('C-2', events, DEFAULT_POLICY);
    expect(await sla(store)).toEqual({
      complaintsResolved: view.complaints.resolved,
      complaintsWithinSla: view.complaints.resolvedWithinSla,
      complaintsOutsideSla: view.trust.evidence.integrity.negative,
      complaintsSlaUnknown: 1,
    });
    expect(view.complaints.resolvedWithinSla).toBe(2);
  });

  it('uses the policy it is given', async () => {
    const strict: RelationshipPolicy = { ...DEFAULT_POLICY, policyVersion: 'strict', complaints: { slaDays: { ...DEFAULT_POLICY.complaints.slaDays, high: 1 } } };
    const strictStore = new InteractionMeasuresStore(readStore, { policy: strict });
    await strictStore.apply([filed('C-1', 'K-1', FILED), resolved('C-1', 'K-1', FILED + 2 * DAY_MS)], 'log');
    expect(await sla(strictStore)).toMatchObject({ complaintsOutsideSla: 1 });
  });

  it('keeps a complaint ledger per complaint whatever the shard, and adds the shards of an agent-day up', async () => {
    await store.apply([filed('C-1', 'K-1', FILED), contact('ann', 'north')], '0');
    await store.apply([resolved('C-1', 'K-1', FILED + DAY_MS), contact('ann', 'north')], '1');
    expect((await store.measures('agent', 'ann')).total).toMatchObject({ contacts: 2, complaintsResolved: 1, complaintsWithinSla: 1 });
  });

  it('lists every agent and team with measures, over the shards, ids with separators included, without rewriting its index for known ids', async () => {
    expect(await store.ids('team')).toEqual([]);
    await store.apply([contact('ann', 'north'), contact('bob', 'south:2')], '0');
    await store.apply([contact('cy', 'north'), resolved('C-9', 'K-9', FILED, { agentId: 'dee', teamId: 'east' })], '1');
    expect(await store.ids('team')).toEqual(['east', 'north', 'south:2']);
    expect(await store.ids('agent')).toEqual(['ann', 'bob', 'cy', 'dee']);
    const version = async () => (await readStore.getDocuments(['measures-index:team:0'])).get('measures-index:team:0')?.version;
    const before = await version();
    await store.apply([contact('ann', 'north', FILED + DAY_MS)], '0');
    expect(await version()).toBe(before);
  });

  it('treats ids named like Object members, or containing the separator, as ordinary ids', async () => {
    const tricky = ['constructor', '__proto__', 'toString', 'hasOwnProperty'];
    await store.apply(tricky.map((id) => contact(id, id)), 'log');
    await store.apply([contact('a', 't'), contact('a:2026-03-01', 't')], 'log');
    for (const id of tricky) {
      expect((await store.measures('agent', id)).total.contacts).toBe(1);
      expect((await store.measures('team', id)).total.contacts).toBe(1);
    }
    expect((await store.measures('agent', 'a')).total.contacts).toBe(1);
    expect((await store.measures('agent', 'valueOf')).total.contacts).toBe(0);
    // Customer and complaint ids of the ledger.
    await store.apply(
      tricky.flatMap((id) => [resolved(id, id, FILED + 2 * DAY_MS, { agentId: '__proto__' }), filed(id, 'a:b', FILED), resolved(id, 'a:b', FILED, { agentId: '__proto__' })]),
      'log',
    );
    await store.apply(tricky.map((id) => filed(id, id, FILED, 'critical')), 'log');
    expect(await sla(store, 'agent', '__proto__')).toEqual({ complaintsResolved: 8, complaintsWithinSla: 4, complaintsOutsideSla: 4, complaintsSlaUnknown: 0 });
  });

  it('concurrent writers of the same documents retry compare-and-set and count every event once', async () => {
    const other = new InteractionMeasuresStore(readStore);
    const batches = Array.from({ length: 10 }, (_, i) => [contact('ann', 'north', FILED + i), contact('bo', 'north', FILED + i)]);
    await Promise.all(batches.map((batch, i) => (i % 2 === 0 ? store : other).apply(batch, 'log')));
    expect((await store.measures('team', 'north')).total.contacts).toBe(20);
  });
});
