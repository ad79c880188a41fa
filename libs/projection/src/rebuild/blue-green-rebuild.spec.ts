import { existsSync, rmSync } from 'node:fs';
import { SqliteEventStore, appendByCustomer, toStoredInteractionEvent } from '@crm/event-store';
import { DEFAULT_POLICY } from '@crm/domain';
import type { CustomerView } from '@crm/domain';
import { CUSTOMER_STREAM_PREFIX, StoredInteractionEvent } from '@crm/contracts';
import { GenerationLocations, ReadStore, ReadStoreGenerations, SqliteReadStore } from '@crm/read-store';
import { generateHistory } from '@crm/simulation';
import { tempDir } from '@crm/testing';
import { ProjectedView, ProjectionRunner } from '../projection-runner';
import { RelationshipProjection } from '../relationship.projection';
import { ServingGeneration } from '../served-projection';
import { RebuildCancelledError, RebuildInterruptedError, runBlueGreenRebuild, unfinishedRebuild } from './blue-green-rebuild';

/** Generations in files of a temp directory, as the embedded mode keeps them. */
function fileLocations(dir: string): GenerationLocations & { exists(generation: number): boolean } {
  const made = new Set<number>();
  const file = (g: number) => `${dir}/g${g}.sqlite`;
  return {
    openControl: async () => SqliteReadStore.open({ filename: `${dir}/control.sqlite` }),
    open: async (g) => {
      made.add(g);
      return SqliteReadStore.open({ filename: file(g) });
    },
    destroy: async (g) => {
      made.delete(g);
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file(g)}${suffix}`, { force: true });
    },
    describe: file,
    exists: (g) => existsSync(file(g)),
  };
}

async function viewsOf(readStore: ReadStore): Promise<Map<string, unknown>> {
  const views = new Map<string, unknown>();
  for await (const record of readStore.scanViews<ProjectedView<CustomerView>>()) views.set(record.customerId, { position: record.position, state: record.view.state, revision: record.view.revision });
  return views;
}

describe('runBlueGreenRebuild', () => {
  let dir: ReturnType<typeof tempDir>;
  let eventStore: SqliteEventStore;
  let generations: ReadStoreGenerations;
  let locations: ReturnType<typeof fileLocations>;
  let serving: ServingGeneration;

  beforeEach(async () => {
    dir = tempDir('crm-blue-green-');
    eventStore = SqliteEventStore.open({ dataDir: dir.path });
    await appendByCustomer(eventStore, [...generateHistory({ customers: 12, days: 90, seed: 5 })]);
    locations = fileLocations(dir.path);
    generations = await ReadStoreGenerations.open(locations);
    serving = new ServingGeneration(generations, new RelationshipProjection());
  });
  afterEach(async () => {
    await generations.close();
    await eventStore.close();
    dir.remove();
  });

  it('builds generation 1, switches to it and drops generation 0; the views equal a live fold', async () => {
    const live = new ProjectionRunner(eventStore, generations.readStore, serving.projection);
    const events: StoredInteractionEvent[] = [];
    for await (const r of eventStore.readAll({ streamPrefix: CUSTOMER_STREAM_PREFIX })) events.push(toStoredInteractionEvent(r));
    await live.applyBatch(events);
    const before = await viewsOf(generations.readStore);
    const phases: string[] = [];
    const status = await runBlueGreenRebuild(eventStore, serving, { asOf: '2026-01-01T00:00:00Z', onProgress: (s) => phases.push(s.phase) });
    expect(status).toMatchObject({ phase: 'done', generation: 1, previousGeneration: 0, views: 12, events: events.length });
    expect([...new Set(phases)]).toEqual(['views', 'measures', 'catch-up', 'population', 'switch', 'settle', 'retire', 'done']);
    expect(generations.active.id).toBe(1);
    expect(locations.exists(0)).toBe(false);
    expect(await viewsOf(generations.readStore)).toEqual(before);
    expect(await unfinishedRebuild(generations)).toBeNull();
  });

  it('switches the policy: the served projection folds with the generation\'s policy from then on', async () => {
    const policy = { ...DEFAULT_POLICY, policyVersion: 'switched-1' };
    await runBlueGreenRebuild(eventStore, serving, { policy, keep: true });
    expect(serving.projection.version).toBe('relationship-3/policy-switched-1');
    expect(generations.state.kept.map((g) => g.id)).toEqual([0]);
    expect(locations.exists(0)).toBe(true);
    // A later plain rebuild keeps the served policy.
    const again = await runBlueGreenRebuild(eventStore, serving, {});
    expect(again.policyVersion).toBe('switched-1');
    // A bad policy is refused before anything is built.
    await expect(runBlueGreenRebuild(eventStore, serving, { policy: { policyVersion: 3 } })).rejects.toThrow();
    expect(generations.state.building).toBeNull();
  });

  it('an interrupted rebuild (a shutdown) keeps its progress and resumes to the views of an uninterrupted one', async () => {
    const clean = await runBlueGreenRebuild(eventStore, serving, { asOf: '2026-01-01T00:00:00Z' });
    const uninterrupted = await viewsOf(generations.readStore);
    const interrupt = new AbortController();
    let batches = 0;
    const stopped = runBlueGreenRebuild(eventStore, serving, {
      asOf: '2026-01-01T00:00:00Z',
      batchSize: 20,
      saveEvery: 20,
      cacheViews: 3,
      interrupt: interrupt.signal,
      onProgress: (s) => s.phase === 'views' && s.done > 0 && ++batches === 1 && interrupt.abort(),
    });
    await expect(stopped).rejects.toBeInstanceOf(RebuildInterruptedError);
    expect(await unfinishedRebuild(generations)).toMatchObject({ phase: 'views', generation: clean.generation + 1 });
    expect(generations.active.id).toBe(clean.generation);
    const resumed = await runBlueGreenRebuild(eventStore, serving, { asOf: '2026-01-01T00:00:00Z', batchSize: 20, saveEvery: 20, cacheViews: 3 });
    expect(resumed).toMatchObject({ resumed: true, generation: clean.generation + 1, phase: 'done' });
    expect(await viewsOf(generations.readStore)).toEqual(uninterrupted);
  });

  it('a cancelled rebuild drops its generation and leaves the served one', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runBlueGreenRebuild(eventStore, serving, { signal: controller.signal })).rejects.toBeInstanceOf(RebuildCancelledError);
    expect(generations.active.id).toBe(0);
    expect(generations.state.building).toBeNull();
    expect(locations.exists(1)).toBe(false);
    expect(await unfinishedRebuild(generations)).toBeNull();
    // The next one takes a new id (ids are never reused).
    expect((await runBlueGreenRebuild(eventStore, serving, {})).generation).toBe(2);
  });
});

describe('ProjectionRunner: a view that misses events of its stream', () => {
  it('folds the missing ones from the stream first (another writer stored the view behind)', async () => {
    const dir = tempDir('crm-gap-');
    const eventStore = SqliteEventStore.open({ dataDir: dir.path });
    try {
      await appendByCustomer(eventStore, [...generateHistory({ customers: 3, days: 60, seed: 2 })]);
      const events: StoredInteractionEvent[] = [];
      for await (const r of eventStore.readAll({ streamPrefix: CUSTOMER_STREAM_PREFIX })) events.push(toStoredInteractionEvent(r));
      const projection = new RelationshipProjection();
      const clean = SqliteReadStore.open({ filename: ':memory:' });
      await new ProjectionRunner(eventStore, clean, projection).applyBatch(events);
      // Every other event withheld: the view misses them; the next events bring them in from the stream.
      for (const owned of [undefined, { maxViews: 10 }]) {
        const gappy = SqliteReadStore.open({ filename: ':memory:' });
        const runner = new ProjectionRunner(eventStore, gappy, projection, owned ? { owned } : {});
        await runner.applyBatch(events.filter((_, i) => i % 2 === 0));
        await runner.applyBatch(events.filter((e) => e.revision === Math.max(...events.filter((x) => x.customerId === e.customerId).map((x) => x.revision))));
        expect(await viewsOf(gappy)).toEqual(await viewsOf(clean));
        await gappy.close();
      }
      await clean.close();
    } finally {
      await eventStore.close();
      dir.remove();
    }
  });
});
