import { randomUUID } from 'node:crypto';
import { tempDir, waitFor } from '@crm/testing';
import { PlatformHarness, contact, purchase, startPlatform } from './platform-harness';

const day = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 86_400_000).toISOString();

describe('relationship views over HTTP (embedded)', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;

  beforeEach(async () => {
    dir = tempDir('crm-e2e-rel-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0' });
  });
  afterEach(async () => {
    await platform.close();
    dir.remove();
  });

  const settled = async () => {
    const head = (await platform.http.get('/health')).body.checks.eventStore.head as number;
    await platform.projector.runner.waitForPosition(head, 5000);
  };

  it('walks a regular buyer up the lifecycle one step per event, explains each step, and answers as of a past date', async () => {
    const customerId = `C-${randomUUID()}`;
    const events = [
      contact(customerId, { occurredAt: day(0) }),
      purchase(customerId, { occurredAt: day(1) }),
      purchase(customerId, { occurredAt: day(20) }, { productCategory: 'music' }),
    ];
    await platform.http.post('/v1/events/batch').send({ events }).expect(202);
    await settled();

    const now = await platform.http.get(`/v1/customers/${customerId}?asOf=${day(30)}`).expect(200);
    expect(now.body.view.lifecycle.stage).toBe('expansion');
    expect(now.body.view).not.toHaveProperty('log');

    const timeline = await platform.http.get(`/v1/customers/${customerId}/timeline?asOf=${day(30)}`).expect(200);
    const lifecycle = timeline.body.entries.filter((e: { kind: string }) => e.kind === 'lifecycle');
    expect(lifecycle.map((e: { to: string }) => e.to)).toEqual(['awareness', 'exploration', 'expansion']);
    expect(lifecycle.map((e: { eventId: string }) => e.eventId)).toEqual(events.map((e) => e.eventId));

    const past = await platform.http.get(`/v1/customers/${customerId}?asOf=${day(5)}`).expect(200);
    expect(past.body.view.lifecycle.stage).toBe('exploration');

    // No purchase for 180 days after the last one: dissolved by inactivity, as of a later date.
    const later = await platform.http.get(`/v1/customers/${customerId}?asOf=${day(230)}`).expect(200);
    expect(later.body.view.lifecycle).toMatchObject({ stage: 'dissolution', dissolvedBy: 'inactivity' });

    const bad = await platform.http.get(`/v1/customers/${customerId}?asOf=yesterday`).expect(400);
    expect(bad.body.violations[0].path).toBe('asOf');
  });

  it('answers known-at: the view and timeline from the events recorded by then, leaving out a late event recorded after', async () => {
    const customerId = `K-${randomUUID()}`;
    await platform.http.post('/v1/events/batch').send({ events: [purchase(customerId, { occurredAt: day(1) }), purchase(customerId, { occurredAt: day(20) })] }).expect(202);
    await settled();
    const told = await platform.http.get(`/v1/customers/${customerId}?asOf=${day(30)}`).expect(200);
    const toldTimeline = await platform.http.get(`/v1/customers/${customerId}/timeline?asOf=${day(30)}`).expect(200);
    await new Promise((resolve) => setTimeout(resolve, 10));
    const knownAt = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 10));
    // A call log uploaded late: dated day 5, recorded after knownAt.
    const late = contact(customerId, { occurredAt: day(5) });
    await platform.http.post('/v1/events').send(late).expect(202);
    await settled();

    const nowView = await platform.http.get(`/v1/customers/${customerId}?asOf=${day(30)}`).expect(200);
    expect(nowView.body.view.eventCount).toBe(3);
    const then = await platform.http.get(`/v1/customers/${customerId}?asOf=${day(30)}&knownAt=${knownAt}`).expect(200);
    expect(then.body.knownAt).toBe(knownAt);
    expect(then.body.view).toEqual(told.body.view);
    expect(then.body.position).toBe(told.body.position);
    const thenTimeline = await platform.http.get(`/v1/customers/${customerId}/timeline?asOf=${day(30)}&knownAt=${knownAt}`).expect(200);
    expect(thenTimeline.body.entries).toEqual(toldTimeline.body.entries);
    expect(thenTimeline.body.knownAt).toBe(knownAt);

    // Before its first event was recorded the platform did not know the customer; a bad knownAt is named.
    await platform.http.get(`/v1/customers/${customerId}?knownAt=2020-01-01T00:00:00Z`).expect(404);
    await platform.http.get(`/v1/customers/C-${randomUUID()}?knownAt=2026-01-01T00:00:00Z`).expect(404);
    const bad = await platform.http.get(`/v1/customers/${customerId}?knownAt=last-tuesday`).expect(400);
    expect(bad.body.violations.map((v: { path: string }) => v.path)).toEqual(['knownAt']);
  });

  it('lists a silent churner under dissolution after the population pass, with the stage the filter matched', async () => {
    const customerId = `Q-${randomUUID()}`;
    await platform.http.post('/v1/events/batch').send({ events: [purchase(customerId, { occurredAt: day(1) })] }).expect(202);
    await settled();
    const before = await platform.http.get('/v1/customers?lifecycleStage=exploration').expect(200);
    expect(before.body.items.map((i: { customerId: string }) => i.customerId)).toContain(customerId);

    // No event since: only the pass, as of a date 200 days later, sees the inactivity rule fire.
    await platform.http.post(`/v1/segments/refresh?asOf=${day(201)}`).expect(200);
    const after = await platform.http.get('/v1/customers?lifecycleStage=dissolution').expect(200);
    const item = after.body.items.find((i: { customerId: string }) => i.customerId === customerId);
    expect(item).toMatchObject({ lifecycleStage: 'dissolution', indexes: { lifecycleStage: 'dissolution' } });
    expect((await platform.http.get('/v1/customers?lifecycleStage=exploration').expect(200)).body.items).toEqual([]);
  });

  it('runs the population pass: segments, tiers in the list filter, customer equity', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `S-${String(i).padStart(2, '0')}`);
    const events = ids.flatMap((id, i) => [purchase(id, { occurredAt: day(1) }, { amount: 1000 * (i + 1) }), purchase(id, { occurredAt: day(10) }, { amount: 500 })]);
    await platform.http.post('/v1/events/batch').send({ events }).expect(202);
    await settled();
    const report = await platform.http.post(`/v1/segments/refresh?asOf=${day(30)}`).expect(200);
    expect(report.body).toMatchObject({ asOf: day(30), population: 20 });
    expect(report.body.counts.byTier.diamond + report.body.counts.byTier.gold).toBeGreaterThanOrEqual(1);
    expect(report.body.customerEquity).toBeGreaterThan(0);
    expect((await platform.http.get('/v1/segments').expect(200)).body.asOf).toBe(day(30));

    const top = await platform.http.get('/v1/customers?tier=silver').expect(200);
    expect(top.body.items.length).toBe(report.body.counts.byTier.silver);
    expect(top.body.items.every((i: { tier: string }) => i.tier === 'silver')).toBe(true);
    const view = await platform.http.get(`/v1/customers/S-19?asOf=${day(30)}`).expect(200);
    expect(view.body.segment).toMatchObject({ asOf: day(30), tier: expect.any(String) });
  });

  it('counts an agent’s escalations against the team’s empowerment rate, per day', async () => {
    const team = `T-${randomUUID().slice(0, 6)}`;
    const escalating = `A-${randomUUID().slice(0, 6)}`;
    const calm = `A-${randomUUID().slice(0, 6)}`;
    const logged = (agentId: string, outcome: string, i: number) =>
      contact(`M-${i}`, { occurredAt: day(3), data: { channel: 'phone', direction: 'inbound', agentId, teamId: team, durationSec: 100 + i, topic: 'billing', outcome } });
    const events = [
      ...Array.from({ length: 4 }, (_, i) => logged(calm, 'resolved', i)),
      ...Array.from({ length: 4 }, (_, i) => logged(escalating, 'escalated', 10 + i)),
    ];
    await platform.http.post('/v1/events/batch').send({ events }).expect(202);
    await settled();
    const teamMeasures = await waitFor(async () => {
      const res = await platform.http.get(`/v1/teams/${team}/measures`);
      return res.body.total?.contacts === 8 ? res.body : undefined;
    });
    expect(teamMeasures.total.empowermentRate).toBeCloseTo(0.5);
    const agent = await platform.http.get(`/v1/agents/${escalating}/measures?from=2026-01-04&to=2026-01-04`).expect(200);
    expect(agent.body.total).toMatchObject({ contacts: 4, escalated: 4, empowermentRate: 0 });
    const calmAgent = await platform.http.get(`/v1/agents/${calm}/measures`).expect(200);
    expect(calmAgent.body.total.empowermentRate).toBe(1);
    await platform.http.get(`/v1/agents/${calm}/measures?from=3rd`).expect(400);
    // The ids with measures, listed (what the dashboard offers): the team and both agents.
    expect((await platform.http.get('/v1/teams').expect(200)).body.ids).toContain(team);
    expect((await platform.http.get('/v1/agents').expect(200)).body.ids).toEqual(expect.arrayContaining([calm, escalating]));
  });

  it('streams stage changes with their causing event as server-sent events', async () => {
    await platform.app.listen(0, '127.0.0.1');
    const { port } = platform.app.getHttpServer().address() as { port: number };
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/v1/changes`, { headers: { Authorization: `Bearer ${platform.apiKey}` }, signal: controller.signal });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const reader = response.body!.getReader();
    const customerId = `C-${randomUUID()}`;
    const event = purchase(customerId, { occurredAt: day(1) });
    // The bus subscription is made when the request is handled, before the headers come back.
    await platform.http.post('/v1/events').send(event).expect(202);
    let text = '';
    const deadline = Date.now() + 5000;
    while (!text.includes('"lifecycleStage"') || !text.includes('"exploration"')) {
      if (Date.now() > deadline) throw new Error(`no change event within 5 s: ${text}`);
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    controller.abort();
    const changes = text
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)))
      .filter((c) => c.customerId === customerId);
    expect(changes).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'lifecycleStage', from: null, to: 'exploration', eventId: event.eventId })]));
  });
});
