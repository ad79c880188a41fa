import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@crm/testing';
import { PlatformHarness, startPlatform } from './platform-harness';

/**
 * The README's first example, run as written: the event it publishes (read from the README
 * itself) and every answer it shows. If the README or the platform moves, this fails.
 */
const README = readFileSync(join(__dirname, '..', '..', '..', 'README.md'), 'utf8');

function exampleBody(): Record<string, unknown> {
  const match = /curl -s -X POST localhost:3000\/v1\/events -H "Authorization: Bearer \$KEY" -H 'Content-Type: application\/json' -d '(\{[\s\S]*?\n\})'/.exec(README);
  if (!match) throw new Error('the README has no POST /v1/events example');
  return JSON.parse(match[1]) as Record<string, unknown>;
}

describe('the README example', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness;

  beforeAll(async () => {
    dir = tempDir('crm-e2e-readme-');
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0' });
  });
  afterAll(async () => {
    await platform.close();
    dir.remove();
  });

  it('answers what the README says it answers', async () => {
    const body = exampleBody();
    const stored = await platform.http.post('/v1/events').send(body).expect(202);
    expect(stored.body).toEqual({ index: 0, eventId: body.eventId, streamId: 'customer-C-102938', status: 'stored', streamRevision: 0, position: 1 });
    const again = await platform.http.post('/v1/events').send(body).expect(200);
    expect(again.body).toMatchObject({ status: 'duplicate', position: 1 });
    await platform.projector.runner.waitForPosition(1, 5000);

    const asOf = '2026-04-01T00:00:00Z';
    expect(README).toContain('KEY=$(cat data/admin.api-key)');
    expect(README).toContain(`curl -s -H "Authorization: Bearer $KEY" 'localhost:3000/v1/customers/C-102938?asOf=${asOf}'`);
    const past = (await platform.http.get(`/v1/customers/C-102938?asOf=${asOf}`).expect(200)).body;
    expect(past).toMatchObject({ customerId: 'C-102938', position: 1, projectionVersion: 'relationship-3/policy-2026-12.1', segment: null });
    expect(past.view).toMatchObject({ policyVersion: '2026-12.1', asOf: '2026-04-01T00:00:00.000Z', trust: { stage: 'calculus' }, loyalty: { formationStage: 'acceptance' } });
    expect(past.view.lifecycle).toMatchObject({ stage: 'exploration', since: '2026-03-14T10:22:05+01:00' });
    // The harness's key is the generated one, every scope: personalData is there, with no registration.
    expect(past.personalData).toEqual({ status: 'none' });
    expect(past.view.lifecycle.transitions).toEqual([
      { from: null, to: 'awareness', eventId: body.eventId, rule: 'first-seen', occurredAt: '2026-03-14T10:22:05+01:00' },
      { from: 'awareness', to: 'exploration', eventId: body.eventId, rule: 'first-purchase', occurredAt: '2026-03-14T10:22:05+01:00' },
    ]);

    // "now": the README's example date is more than 180 days ago, so inactivity has fired.
    const now = (await platform.http.get('/v1/customers/C-102938').expect(200)).body;
    expect(now.view.lifecycle).toMatchObject({ stage: 'dissolution', dissolvedBy: 'inactivity' });
    const timeline = (await platform.http.get('/v1/customers/C-102938/timeline').expect(200)).body;
    const inactivity = timeline.entries.find((e: { rule: string }) => e.rule === 'inactivity');
    expect(inactivity).toMatchObject({ kind: 'lifecycle', to: 'dissolution', eventId: null });
    expect(README).toContain(`inactivity rule has fired (at ${inactivity.occurredAt.replace('.000Z', 'Z')}`);
  });
});
