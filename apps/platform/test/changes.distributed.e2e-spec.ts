import { randomUUID } from 'node:crypto';
import { AssignerProtocol } from 'kafkajs';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { clientApiKey } from '@crm/config';
import { createServiceApp, topicNames } from '@crm/infrastructure';
import { IngestModule } from '@crm/ingest-api';
import { createKafka } from '@crm/messaging';
import { ProjectorModule } from '@crm/projector';
import { ChangeFeed, QueryModule } from '@crm/query-api';
import { RelayModule } from '@crm/relay';
import { waitFor, within } from '@crm/testing';
import { KAFKA_BROKERS, distributedEnv } from './distributed-fixture';
import { agentWithKey, contact, purchase } from './platform-harness';
import { SseEvent, SseStream, openSse } from './sse-client';

jest.setTimeout(120_000);

const customerOf = (e: SseEvent) => (JSON.parse(e.data) as { customerId: string }).customerId;
const of = (customerId: string) => (e: SseEvent) => customerOf(e) === customerId;

describe('GET /v1/changes in Kafka mode', () => {
  const deployment = distributedEnv({ KAFKA_PARTITIONS: '3', SEGMENTATION_INTERVAL_SEC: '0' });
  const topics = topicNames(deployment.config());
  const admin = createKafka({ brokers: KAFKA_BROKERS, clientId: 'e2e-changes-admin' }).admin();
  let app: NestExpressApplication;
  let http: ReturnType<typeof agentWithKey>;
  let auth: Record<string, string>;
  let base: string;
  const streams: SseStream[] = [];

  /** The consumer groups (any name) with a member that was assigned this deployment's changes topic. */
  const groupsOnChangesTopic = async () => {
    const { groups } = await admin.listGroups();
    if (groups.length === 0) return [];
    const described = await admin.describeGroups(groups.map((g) => g.groupId));
    return described.groups.filter((g) =>
      g.members.some((m) => m.memberAssignment.length > 0 && Object.keys(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}).includes(topics.relationshipChanges)),
    );
  };

  beforeAll(async () => {
    await admin.connect();
    app = await createServiceApp('changes-kafka', deployment.config(), [IngestModule, RelayModule, ProjectorModule, QueryModule], { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    auth = { Authorization: `Bearer ${clientApiKey({}, deployment.dir.path)}` };
    http = agentWithKey(app, clientApiKey({}, deployment.dir.path));
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  });

  afterAll(async () => {
    streams.splice(0).forEach((s) => s.close());
    await app?.close();
    await admin.disconnect();
    deployment.dir.remove();
  });

  it('serves N connections from one consumer group, each with the same changes and ids, and resumes with Last-Event-ID', async () => {
    const N = 5;
    for (let i = 0; i < N; i++) streams.push(await openSse(`${base}/v1/changes`, auth));
    expect(app.get(ChangeFeed).connections).toBe(N);

    // One group, the process's, owning every partition of the topic (not one group per connection).
    const groups = await waitFor(
      async () => {
        const found = await groupsOnChangesTopic();
        return found.length === 1 && found[0].state === 'Stable' ? found : undefined;
      },
      { timeoutMs: 60_000, message: 'the change feed group to be stable' },
    );
    expect(groups.map((g) => g.groupId)).toEqual([app.get(ChangeFeed).groupId]);
    expect(groups[0].members).toHaveLength(1);

    const a = `C-${randomUUID()}`;
    const stored = await http.post('/v1/events').send(purchase(a)).expect(202);
    const seen = await Promise.all(streams.map((s) => s.waitForEvents(3, { where: of(a), timeoutMs: 60_000 })));
    for (const events of seen) expect(events).toEqual(seen[0]);
    expect(seen[0].map((e) => e.id).sort()).toEqual(['lifecycleStage', 'loyaltyStage', 'trustStage'].map((k) => `${stored.body.position}:${k}`));

    const [first, second] = streams;
    const lastSeen = first.events.at(-1)!.id!;
    first.close();
    const b = `C-${randomUUID()}`;
    await http.post('/v1/events/batch').send({ events: [purchase(b), contact(a, { occurredAt: '2026-03-20T09:00:00Z' })] }).expect(202);
    await second.waitForEvents(3, { where: of(b), timeoutMs: 60_000 });
    const missed = second.events.slice(second.events.findIndex((e) => e.id === lastSeen) + 1);
    const resumed = await openSse(`${base}/v1/changes`, { ...auth, 'Last-Event-ID': lastSeen });
    streams.push(resumed);
    await resumed.waitForEvents(missed.length);
    expect(resumed.events.slice(0, missed.length)).toEqual(missed);
    expect(await groupsOnChangesTopic()).toHaveLength(1);
  });

  it('closes promptly with the streams open, ending them, and leaves the group', async () => {
    const open = await Promise.all([1, 2, 3].map(() => openSse(`${base}/v1/changes`, auth)));
    await within(app.close(), 5000, 'app.close() with open streams in Kafka mode');
    app = undefined as never;
    await expect(within(Promise.all(open.map((s) => s.ended)), 1000, 'the streams to end')).resolves.toEqual([true, true, true]);
    await waitFor(async () => (await groupsOnChangesTopic()).length === 0, { timeoutMs: 30_000, message: 'no member left on the changes topic' });
  });
});
