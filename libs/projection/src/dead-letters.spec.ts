import { DEFAULT_POLICY } from '@crm/domain';
import { SqliteEventStore, appendByCustomer, toStoredInteractionEvent } from '@crm/event-store';
import { SqliteReadStore } from '@crm/read-store';
import { generateHistory } from '@crm/simulation';
import { tempDir } from '@crm/testing';
import { deadLetterSummary, listDeadLetters, recordDeadLetters, redriveDeadLetters } from './dead-letters';
import { FailedEvent, ProjectionRunner } from './projection-runner';
import { RelationshipProjection } from './relationship.projection';
import { POLICY_FAILING_ON_LOW_COMPLAINTS, lowComplaintLike } from './testing/failing-fold.fixture';

// The fold throws on low complaints (the "bug"); DEFAULT_POLICY is the fix.
const broken = POLICY_FAILING_ON_LOW_COMPLAINTS;

describe('dead letters: recorded when the fold throws, redriven once the cause is fixed', () => {
  let dir: ReturnType<typeof tempDir>;
  let eventStore: SqliteEventStore;

  beforeAll(async () => {
    dir = tempDir('crm-dead-letters-');
    eventStore = SqliteEventStore.open({ dataDir: dir.path });
    const history = [...generateHistory({ customers: 25, days: 200, seed: 8 })];
    await appendByCustomer(eventStore, history.flatMap((e, i) => (i % 30 === 15 ? [e, lowComplaintLike(e)] : [e])));
  });
  afterAll(async () => {
    await eventStore.close();
    dir.remove();
  });

  async function project(readStore: SqliteReadStore, projection: RelationshipProjection): Promise<FailedEvent[]> {
    const failures: FailedEvent[] = [];
    const seen: FailedEvent[] = [];
    const runner = new ProjectionRunner(eventStore, readStore, projection, {
      onFailed: (f) => void (failures.push(f), seen.push(f)),
      beforeCommit: async () => recordDeadLetters(readStore, failures.splice(0)),
    });
    const events = [];
    for await (const e of eventStore.readAll()) events.push(toStoredInteractionEvent(e));
    for (let i = 0; i < events.length; i += 40) await runner.applyBatch(events.slice(i, i + 40));
    return seen;
  }

  const views = async (readStore: SqliteReadStore) => {
    const out: string[] = [];
    for await (const r of readStore.scanViews()) out.push(JSON.stringify(r));
    return out;
  };

  it('keeps each failed event once, says so in the summary, and after the fix the views equal a run that never failed', async () => {
    const live = SqliteReadStore.open({ filename: ':memory:' });
    const clean = SqliteReadStore.open({ filename: ':memory:' });
    try {
      const failed = await project(live, new RelationshipProjection(broken));
      expect(failed.length).toBeGreaterThan(3);
      // A redelivered failure is not recorded twice.
      await recordDeadLetters(live, failed.slice(0, 2));
      const letters = await listDeadLetters(live);
      expect(letters.map((l) => l.eventId)).toEqual(failed.map((f) => f.event.eventId));
      expect(letters.every((l) => l.status === 'pending' && l.reason.includes('Error'))).toBe(true);
      expect((await deadLetterSummary(live)).pending).toBe(failed.length);

      // Redriven before the fix: still failing, still pending, the reason recorded.
      const early = await redriveDeadLetters(live, eventStore, new RelationshipProjection(broken));
      expect(early.redriven).toEqual([]);
      expect(early.failing).toHaveLength(failed.length);
      expect((await deadLetterSummary(live)).pending).toBe(failed.length);

      await project(clean, new RelationshipProjection(DEFAULT_POLICY));
      expect(await views(live)).not.toEqual(await views(clean));
      const fixed = await redriveDeadLetters(live, eventStore, new RelationshipProjection(DEFAULT_POLICY));
      expect(fixed.failing).toEqual([]);
      expect(fixed.redriven.sort()).toEqual(failed.map((f) => f.event.eventId).sort());
      expect(await views(live)).toEqual(await views(clean));
      expect(await deadLetterSummary(live)).toMatchObject({ pending: 0, redriven: failed.length, oldestPendingAgeSec: null });
      // Nothing left to redrive.
      expect(await redriveDeadLetters(live, eventStore, new RelationshipProjection(DEFAULT_POLICY))).toEqual({ redriven: [], failing: [], customers: 0 });
    } finally {
      await live.close();
      await clean.close();
    }
  });
});
