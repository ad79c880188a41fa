import { randomUUID } from 'node:crypto';
import { DEFAULT_POLICY } from '@crm/domain';
import { tempDir, waitFor } from '@crm/testing';
import { PlatformHarness, purchase, startPlatform } from './platform-harness';

const DAY = 86_400_000;
const ASOF = '2026-07-01T00:00:00.000Z';
const daysBefore = (n: number) => new Date(Date.parse(ASOF) - n * DAY).toISOString();

describe('admin routes: what-if jobs and dead letters (embedded)', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;

  beforeAll(async () => {
    dir = tempDir('crm-e2e-admin-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0' });
  });
  afterAll(async () => {
    await platform.close();
    dir.remove();
  });

  it('runs a what-if of a candidate policy as a job: the customers it moves and why, the views untouched', async () => {
    const quiet = Array.from({ length: 3 }, () => `W-${randomUUID()}`);
    const recent = Array.from({ length: 2 }, () => `W-${randomUUID()}`);
    const events = [...quiet.map((id) => purchase(id, { occurredAt: daysBefore(100) })), ...recent.map((id) => purchase(id, { occurredAt: daysBefore(10) }))];
    await platform.http.post('/v1/events/batch').send({ events }).expect(202);
    const head = (await platform.http.get('/health')).body.checks.eventStore.head as number;
    await platform.projector.runner.waitForPosition(head, 5000);
    const before = await platform.http.get(`/v1/customers/${quiet[0]}?asOf=${ASOF}`).expect(200);

    const candidate = { ...DEFAULT_POLICY, policyVersion: 'candidate-http', lifecycle: { ...DEFAULT_POLICY.lifecycle, dissolution: { ...DEFAULT_POLICY.lifecycle.dissolution, inactivityDays: 60 } } };
    const started = await platform.http.post('/v1/admin/what-if').send({ policy: candidate, asOf: ASOF, samples: 5 }).expect(202);
    expect(started.body).toMatchObject({ status: 'running', asOf: ASOF, candidatePolicyVersion: 'candidate-http' });
    let job = started.body;
    await waitFor(async () => (job = (await platform.http.get(`/v1/admin/what-if/${started.body.id}`).expect(200)).body).status !== 'running', { timeoutMs: 10_000, message: 'the what-if job' });
    expect(job.status).toBe('done');
    expect(job.progress).toEqual({ done: 5, total: 5 });
    const lifecycle = job.report.dimensions.lifecycleStage;
    expect(lifecycle.moved).toBe(3);
    const moved = lifecycle.cells.find((c: { from: string; to: string }) => c.from === 'exploration' && c.to === 'dissolution');
    expect(moved.customers).toBe(3);
    expect(moved.samples.map((s: { customerId: string }) => s.customerId).sort()).toEqual([...quiet].sort());
    expect(moved.samples.every((s: { rule: string }) => s.rule === 'inactivity')).toBe(true);
    expect((await platform.http.get(`/v1/customers/${quiet[0]}?asOf=${ASOF}`).expect(200)).body).toEqual(before.body);
  });

  it('names every violated key of a bad candidate policy, and answers 404 for an unknown job', async () => {
    const bad = { ...DEFAULT_POLICY, lifecycle: { ...DEFAULT_POLICY.lifecycle, dissolution: { ...DEFAULT_POLICY.lifecycle.dissolution, inactivityDays: -5, volumeDeclineRatio: 7 } } };
    const res = await platform.http.post('/v1/admin/what-if').send({ policy: bad }).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['policy.lifecycle.dissolution.inactivityDays', 'policy.lifecycle.dissolution.volumeDeclineRatio']);
    const missing = await platform.http.post('/v1/admin/what-if').send({ asOf: 'tomorrow' }).expect(400);
    expect(missing.body.violations.map((v: { path: string }) => v.path).sort()).toEqual(['asOf', 'policy']);
    await platform.http.get(`/v1/admin/what-if/${randomUUID()}`).expect(404);
  });

  it('lists and redrives dead letters (none here), and refuses a bad filter or id list', async () => {
    expect((await platform.http.get('/v1/admin/dead-letters').expect(200)).body).toEqual({ items: [] });
    expect((await platform.http.post('/v1/admin/dead-letters/redrive').send({}).expect(200)).body).toEqual({ redriven: [], failing: [], customers: 0 });
    await platform.http.get('/v1/admin/dead-letters?status=lost').expect(400);
    const bad = await platform.http.post('/v1/admin/dead-letters/redrive').send({ eventIds: [1, 2] }).expect(400);
    expect(bad.body.violations[0].path).toContain('eventIds');
    expect((await platform.http.get('/health').expect(200)).body.checks.projector.deadLetters).toEqual({ pending: 0, redriven: 0, oldestPendingAgeSec: null });
  });
});
