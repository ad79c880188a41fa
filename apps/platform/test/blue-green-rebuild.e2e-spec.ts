import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DEFAULT_POLICY } from '@crm/domain';
import { toStoredInteractionEvent } from '@crm/event-store';
import { CUSTOMER_STREAM_PREFIX } from '@crm/contracts';
import { ProjectionRunner, RelationshipProjection } from '@crm/projection';
import { ReadStore, ReadStoreGenerations, SqliteReadStore } from '@crm/read-store';
import { EventStore } from '@crm/event-store';
import { generateHistory } from '@crm/simulation';
import { tempDir, waitFor } from '@crm/testing';
import { PlatformHarness, startPlatform, viewsWithoutSegments } from './platform-harness';

const run = promisify(execFile);
const ROOT = join(__dirname, '..', '..', '..');
jest.setTimeout(120_000);

const candidate = {
  ...DEFAULT_POLICY,
  policyVersion: 'blue-green-1',
  lifecycle: { ...DEFAULT_POLICY.lifecycle, dissolution: { ...DEFAULT_POLICY.lifecycle.dissolution, inactivityDays: 60 } },
};

/** Reads customers' views with `concurrency` requests in flight until stopped; every status and latency kept. */
function readLoad(platform: PlatformHarness, ids: readonly string[], concurrency = 4) {
  const statuses = new Map<number, number>();
  const latencies: number[] = [];
  let stopped = false;
  const worker = async () => {
    for (let i = 0; !stopped; i++) {
      const started = performance.now();
      const res = await platform.http.get(`/v1/customers/${ids[(i * 7 + latencies.length) % ids.length]}`);
      latencies.push(performance.now() - started);
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
  };
  const workers = Array.from({ length: concurrency }, worker);
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      return { statuses: Object.fromEntries(statuses), reads: latencies.length };
    },
  };
}

/** Every customer's view folded from scratch out of the event store under `projection` (what the served generation must equal). */
async function cleanFold(eventStore: EventStore, projection: RelationshipProjection): Promise<Map<string, unknown>> {
  const scratch = SqliteReadStore.open({ filename: ':memory:' });
  const runner = new ProjectionRunner(eventStore, scratch, projection);
  let batch = [];
  for await (const recorded of eventStore.readAll({ streamPrefix: CUSTOMER_STREAM_PREFIX })) {
    batch.push(toStoredInteractionEvent(recorded));
    if (batch.length === 500) {
      await runner.applyBatch(batch);
      batch = [];
    }
  }
  await runner.applyBatch(batch);
  const views = await viewsWithoutSegments(scratch);
  await scratch.close();
  return views;
}

describe('blue-green rebuild on a running platform (embedded)', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;

  beforeAll(async () => {
    dir = tempDir('crm-e2e-blue-green-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0', GENERATION_POLL_MS: '100' });
  });
  afterAll(async () => {
    await platform?.close();
    dir.remove();
  });

  const waitProjected = async () => {
    const head = (await platform.http.get('/health')).body.checks.eventStore.head as number;
    await platform.projector.runner.waitForPosition(head, 20_000);
  };

  it('builds the new generation under read and write load, switches with zero failed reads, and the views equal a clean fold', async () => {
    const events = [...generateHistory({ customers: 60, days: 200, seed: 11 })];
    const early = events.slice(0, Math.floor(events.length * 0.8));
    const late = events.slice(early.length);
    for (let i = 0; i < early.length; i += 250) await platform.http.post('/v1/events/batch').send({ events: early.slice(i, i + 250) }).expect(202);
    await waitProjected();
    const ids = [...new Set(early.map((e) => e.customerId))];
    const generations = platform.app.get(ReadStoreGenerations);
    expect(generations.active.id).toBe(0);

    const load = readLoad(platform, ids);
    const started = await platform.http.post('/v1/admin/rebuilds').send({ policy: candidate }).expect(202);
    expect(started.headers.location).toBe(`/v1/admin/rebuilds/${started.body.id}`);
    expect(started.body).toMatchObject({ generation: 1, previousGeneration: 0, policyVersion: 'blue-green-1', resumed: false });
    // One at a time.
    const second = await platform.http.post('/v1/admin/rebuilds').send({}).expect(409);
    expect(second.headers['content-type']).toContain('application/problem+json');
    // Live events keep coming during the rebuild: they reach the old generation first, then the new one.
    const writing = (async () => {
      for (let i = 0; i < late.length; i += 50) {
        await platform.http.post('/v1/events/batch').send({ events: late.slice(i, i + 50) }).expect(202);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const phases = new Set<string>();
    let status = started.body;
    await waitFor(
      async () => {
        status = (await platform.http.get(started.headers.location).expect(200)).body;
        phases.add(status.phase);
        return ['done', 'failed', 'cancelled'].includes(status.phase);
      },
      { timeoutMs: 60_000, intervalMs: 20, message: 'the rebuild' },
    );
    await writing;
    const reads = await load.stop();
    expect(status).toMatchObject({ phase: 'done', generation: 1, error: null });
    expect(reads.reads).toBeGreaterThan(20);
    expect(reads.statuses).toEqual({ 200: reads.reads });
    expect(phases.has('done')).toBe(true);
    expect(Object.keys(status.seconds)).toEqual(expect.arrayContaining(['views', 'measures', 'catch-up', 'population', 'switch', 'settle', 'retire']));

    // Served: generation 1 with the candidate policy; generation 0 dropped.
    const served = (await platform.http.get('/v1/admin/generations').expect(200)).body;
    expect(served).toMatchObject({ active: { id: 1, projectionVersion: 'relationship-3/policy-blue-green-1' }, building: null, kept: [] });
    expect(existsSync(join(dir.path, 'read-store.sqlite'))).toBe(false);
    expect((await platform.http.get('/health')).body.checks.readStore).toMatchObject({ generation: 1 });

    // Every event, before, during and after the switch, is in the served views exactly as a clean fold under the candidate gives them.
    await waitProjected();
    const eventStore = platform.app.get(EventStore);
    const expected = await cleanFold(eventStore, new RelationshipProjection(candidate));
    const actual = await viewsWithoutSegments(platform.app.get(ReadStore));
    expect(actual.size).toBe(new Set(events.map((e) => e.customerId)).size);
    expect(actual).toEqual(expected);
    const one = (await platform.http.get(`/v1/customers/${ids[0]}`).expect(200)).body;
    expect(JSON.stringify(one)).toContain('"policyVersion":"blue-green-1"');
  });

  it('cancels a rebuild before its switch: its generation dropped, the served one untouched', async () => {
    const before = (await platform.http.get('/v1/admin/generations').expect(200)).body.active.id as number;
    const started = await platform.http.post('/v1/admin/rebuilds').send({ verify: true }).expect(202);
    const cancelled = await platform.http.delete(started.headers.location);
    let status = started.body;
    if (cancelled.status === 202) {
      await waitFor(async () => ['done', 'cancelled', 'failed'].includes((status = (await platform.http.get(started.headers.location).expect(200)).body).phase), { timeoutMs: 30_000 });
      // The worker sees the cancellation between two batches: a rebuild this small may reach its switch first.
      const generations = (await platform.http.get('/v1/admin/generations').expect(200)).body;
      if (status.phase === 'cancelled') {
        expect(generations).toMatchObject({ active: { id: before }, building: null });
        expect(existsSync(join(dir.path, `read-store.g${status.generation}.sqlite`))).toBe(false);
      } else {
        expect(status.phase).toBe('done');
        expect(generations).toMatchObject({ active: { id: status.generation }, building: null });
      }
    } else {
      // Too fast to cancel (it switched already): 409, and it finishes.
      expect(cancelled.status).toBe(409);
    }
    await platform.http.delete('/v1/admin/rebuilds/rebuild-999').expect(404);
    await platform.http.post('/v1/admin/rebuilds').send({ policy: { policyVersion: 7 } }).expect(400);
  });

  it('npm run rebuild talks to the running platform: progress, verify, the switch', async () => {
    await waitFor(async () => (await platform.http.get('/v1/admin/rebuilds')).body.items.every((r: { phase: string }) => ['done', 'cancelled', 'failed'].includes(r.phase)), { timeoutMs: 30_000 });
    const server = platform.app.getHttpServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const policyFile = join(dir.path, 'candidate.json');
    writeFileSync(policyFile, JSON.stringify({ ...candidate, policyVersion: 'blue-green-2' }));
    const { stdout } = await run(
      process.execPath,
      ['-r', '@swc-node/register', '-r', 'tsconfig-paths/register', 'apps/platform/src/rebuild.ts', '--url', url, '--policy', policyFile, '--verify', '--keep', '--no-progress', '--as-of', '2026-01-01T00:00:00Z'],
      { cwd: ROOT, env: { ...process.env, DATA_DIR: dir.path, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') } },
    ).catch((error: Error & { code: number; stdout: string; stderr: string }) => {
      // Exit 2: verify found differences (expected here: another policy version).
      if (error.code === 2) return { stdout: error.stdout };
      throw new Error(`${error.message}\n${error.stdout}\n${error.stderr}`);
    });
    expect(stdout).toMatch(new RegExp(`^started rebuild-\\d+ on the platform at ${url}`, 'm'));
    expect(stdout).toMatch(/^rebuilt 60 views \(relationship-3\/policy-blue-green-2\) into generation \d+ from \d+ events/m);
    // Only the policy version differs: every view's projectionVersion field, and nothing else of the state.
    expect(stdout).toMatch(/^verify: views DIFFER/m);
    expect(stdout).toMatch(/^ {2}record\.projectionVersion: 60 customer\(s\)$/m);
    const generations = (await platform.http.get('/v1/admin/generations').expect(200)).body;
    expect(generations.active.projectionVersion).toBe('relationship-3/policy-blue-green-2');
    expect(generations.kept.map((g: { id: number }) => g.id)).toHaveLength(1);
  });
});
