import { randomUUID } from 'node:crypto';
import type { InteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY, RelationshipPolicy } from '@crm/domain';
import { SqliteEventStore, appendByCustomer, toStoredInteractionEvent } from '@crm/event-store';
import { SqliteReadStore } from '@crm/read-store';
import { tempDir } from '@crm/testing';
import { ProjectionRunner } from './projection-runner';
import { RelationshipProjection } from './relationship.projection';
import { whatIf } from './what-if';

const DAY = 86_400_000;
const ASOF = '2026-07-01T00:00:00.000Z';
const daysBefore = (n: number) => new Date(Date.parse(ASOF) - n * DAY).toISOString();
const purchase = (customerId: string, occurredAt: string): InteractionEvent => ({
  eventId: randomUUID(),
  type: 'PurchaseMade',
  schemaVersion: 1,
  customerId,
  occurredAt,
  source: 'test',
  data: { orderId: `O-${randomUUID()}`, amount: 2500, currency: 'EUR', productCategory: 'books', productId: 'B-1', quantity: 1 },
});

describe('whatIf: a candidate policy replayed beside the live views', () => {
  let dir: ReturnType<typeof tempDir>;
  let eventStore: SqliteEventStore;
  let readStore: SqliteReadStore;
  const current = new RelationshipProjection();
  // Inactivity after 60 days instead of 180.
  const candidatePolicy: RelationshipPolicy = {
    ...DEFAULT_POLICY,
    policyVersion: 'candidate-1',
    lifecycle: { ...DEFAULT_POLICY.lifecycle, dissolution: { ...DEFAULT_POLICY.lifecycle.dissolution, inactivityDays: 60 } },
  };
  const candidate = new RelationshipProjection(candidatePolicy);
  // Last purchase 10, 100 and 300 days before asOf: only the 100-day ones move (dissolved under 60, not under 180).
  const recent = ['R-1', 'R-2'];
  const quiet = ['Q-1', 'Q-2', 'Q-3'];
  const gone = ['G-1'];

  beforeAll(async () => {
    dir = tempDir('crm-what-if-');
    eventStore = SqliteEventStore.open({ dataDir: dir.path });
    readStore = SqliteReadStore.open({ dataDir: dir.path });
    const events = [
      ...recent.map((id) => purchase(id, daysBefore(10))),
      ...quiet.map((id) => purchase(id, daysBefore(100))),
      ...gone.map((id) => purchase(id, daysBefore(300))),
    ];
    await appendByCustomer(eventStore, events);
    const stored = [];
    for await (const e of eventStore.readAll()) stored.push(toStoredInteractionEvent(e));
    await new ProjectionRunner(eventStore, readStore, current).applyBatch(stored);
  });
  afterAll(async () => {
    await eventStore.close();
    await readStore.close();
    dir.remove();
  });

  it('reports the customers it moves, the rule that moves them, and nothing else; writes nothing', async () => {
    const before = [];
    for await (const r of readStore.scanViews()) before.push(JSON.stringify(r));
    const report = await whatIf({ eventStore, readStore, current, candidate, asOf: ASOF, samplesPerCell: 2 });

    expect(report).toMatchObject({ asOf: ASOF, population: 6, current: { policyVersion: DEFAULT_POLICY.policyVersion }, candidate: { policyVersion: 'candidate-1' } });
    const lifecycle = report.dimensions.lifecycleStage;
    expect(lifecycle.moved).toBe(3);
    expect(lifecycle.share).toBeCloseTo(0.5);
    expect(lifecycle.cells).toEqual([
      { from: 'exploration', to: 'dissolution', customers: 3, samples: [
        { customerId: 'Q-1', rule: 'inactivity', at: new Date(Date.parse(daysBefore(100)) + 60 * DAY).toISOString() },
        { customerId: 'Q-2', rule: 'inactivity', at: new Date(Date.parse(daysBefore(100)) + 60 * DAY).toISOString() },
      ] },
      { from: 'exploration', to: 'exploration', customers: 2, samples: [] },
      { from: 'dissolution', to: 'dissolution', customers: 1, samples: [] },
    ]);
    // Trust does not depend on the inactivity threshold: nobody moves there.
    expect(report.dimensions.trustStage.moved).toBe(0);
    // Dissolved customers have no forward value: the candidate's equity is not higher.
    expect(report.customerEquityChange).toBeLessThanOrEqual(0);
    expect(report.current.customerEquity + report.customerEquityChange).toBe(report.candidate.customerEquity);

    const after = [];
    for await (const r of readStore.scanViews()) after.push(JSON.stringify(r));
    expect(after).toEqual(before);
  });

  it('the current policy as candidate moves nobody', async () => {
    const report = await whatIf({ eventStore, readStore, current, candidate: current, asOf: ASOF });
    for (const d of Object.values(report.dimensions)) expect(d.moved).toBe(0);
    expect(report.customerEquityChange).toBe(0);
  });
});
