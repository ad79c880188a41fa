import { randomUUID } from 'node:crypto';
import { IncomingMessage, MessageBroker, MessagePublisher } from '@crm/messaging';
import { waitFor } from './async.helpers';

export interface MessagingFixture {
  broker: MessageBroker;
  publisher: MessagePublisher;
  cleanup: () => Promise<void>;
}

/**
 * The behaviour every messaging adapter must have. Each test uses its own topic and group,
 * so the suite can share one real broker.
 */
export function messagingContract(name: string, factory: () => Promise<MessagingFixture>, { timeoutMs = 30_000 } = {}): void {
  describe(`Messaging contract: ${name}`, () => {
    let fixture: MessagingFixture;
    let topic: string;

    beforeEach(async () => {
      fixture = await factory();
      topic = `contract-${randomUUID()}`;
      await fixture.broker.ensureTopics([{ topic, partitions: 3 }]);
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('delivers every message with its key and headers, in order per key', async () => {
      const received: IncomingMessage[] = [];
      const consumer = await fixture.broker.consume({ topic, groupId: `g-${randomUUID()}`, eachBatch: async (b) => void received.push(...b.messages) });
      const keys = ['a', 'b', 'c', 'd'];
      const messages = Array.from({ length: 40 }, (_, i) => ({ key: keys[i % 4], value: String(i), headers: { eventId: `e-${i}` } }));
      await fixture.publisher.publish(topic, messages.slice(0, 20));
      await fixture.publisher.publish(topic, messages.slice(20));
      await waitFor(() => received.length >= 40, { timeoutMs, message: '40 messages' });
      await consumer.stop();
      expect(received).toHaveLength(40);
      for (const key of keys) {
        const values = received.filter((m) => m.key === key).map((m) => Number(m.value));
        expect(values).toEqual([...values].sort((x, y) => x - y));
        expect(new Set(received.filter((m) => m.key === key).map((m) => m.partition)).size).toBe(1);
      }
      expect(received.find((m) => m.value === '7')?.headers.eventId).toBe('e-7');
    }, timeoutMs * 2);

    it('redelivers a batch whose handler failed, then moves on', async () => {
      const seen: string[] = [];
      let failures = 0;
      const consumer = await fixture.broker.consume({
        topic,
        groupId: `g-${randomUUID()}`,
        eachBatch: async (b) => {
          if (failures === 0 && b.messages.some((m) => m.value === 'poison-once')) {
            failures++;
            throw new Error('transient');
          }
          seen.push(...b.messages.map((m) => m.value ?? ''));
        },
      });
      await fixture.publisher.publish(topic, [{ key: 'k', value: 'first' }, { key: 'k', value: 'poison-once' }, { key: 'k', value: 'last' }]);
      await waitFor(() => seen.includes('last'), { timeoutMs, message: 'redelivery' });
      await consumer.stop();
      expect(failures).toBe(1);
      expect(seen.filter((v) => v === 'poison-once')).toHaveLength(1);
    }, timeoutMs * 2);

    it('resumes a group from its committed offsets', async () => {
      const groupId = `g-${randomUUID()}`;
      const first: string[] = [];
      const c1 = await fixture.broker.consume({ topic, groupId, eachBatch: async (b) => void first.push(...b.messages.map((m) => m.value ?? '')) });
      await fixture.publisher.publish(topic, [{ key: 'x', value: '1' }, { key: 'y', value: '2' }]);
      await waitFor(() => first.length >= 2, { timeoutMs, message: 'first two' });
      await c1.stop();
      const second: string[] = [];
      const c2 = await fixture.broker.consume({ topic, groupId, eachBatch: async (b) => void second.push(...b.messages.map((m) => m.value ?? '')) });
      await fixture.publisher.publish(topic, [{ key: 'x', value: '3' }]);
      await waitFor(() => second.includes('3'), { timeoutMs, message: 'third' });
      await c2.stop();
      expect(second).toEqual(['3']);
    }, timeoutMs * 3);

    it('shares partitions among the members of one group, each message to one member', async () => {
      const groupId = `g-${randomUUID()}`;
      const byMember: string[][] = [[], []];
      const members = [];
      for (const bucket of byMember) {
        members.push(await fixture.broker.consume({ topic, groupId, eachBatch: async (b) => void bucket.push(...b.messages.map((m) => m.value ?? '')) }));
      }
      const values = Array.from({ length: 60 }, (_, i) => String(i));
      await fixture.publisher.publish(topic, values.map((v) => ({ key: `k-${v}`, value: v })));
      await waitFor(() => byMember[0].length + byMember[1].length >= 60, { timeoutMs, message: '60 messages across the group' });
      await Promise.all(members.map((m) => m.stop()));
      expect([...byMember[0], ...byMember[1]].sort()).toEqual([...values].sort());
    }, timeoutMs * 3);

    it('reads a whole topic up to the end it had when asked, without moving any group', async () => {
      const groupId = `g-${randomUUID()}`;
      const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k-${i % 7}`, value: String(i), headers: { n: String(i) } }));
      await fixture.publisher.publish(topic, messages);
      const read: IncomingMessage[] = [];
      for await (const m of fixture.broker.readTopic(topic)) {
        read.push(m);
        // Published while it reads: after the end it took at the start, so not read.
        if (read.length === 1) await fixture.publisher.publish(topic, [{ key: 'late', value: 'late' }]);
      }
      expect(read.map((m) => m.value).sort()).toEqual(messages.map((m) => m.value).sort());
      expect(read.find((m) => m.value === '3')).toMatchObject({ topic, key: 'k-3', headers: { n: '3' } });
      for (const partition of new Set(read.map((m) => m.partition))) {
        const offsets = read.filter((m) => m.partition === partition).map((m) => Number(m.offset));
        expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
      }
      // Stopping early is fine too.
      for await (const _m of fixture.broker.readTopic(topic)) break;
      // A group consuming afterwards still starts from the beginning: nothing was committed for it.
      const seen: string[] = [];
      const consumer = await fixture.broker.consume({ topic, groupId, eachBatch: async (b) => void seen.push(...b.messages.map((m) => m.value ?? '')) });
      await waitFor(() => seen.length >= 31, { timeoutMs, message: 'every message for a new group' });
      await consumer.stop();
      const empty = `contract-empty-${randomUUID()}`;
      await fixture.broker.ensureTopics([{ topic: empty, partitions: 2 }]);
      const none: IncomingMessage[] = [];
      for await (const m of fixture.broker.readTopic(empty)) none.push(m);
      expect(none).toEqual([]);
    }, timeoutMs * 3);

    it('reports the end offset of every partition: the next offset a message gets', async () => {
      const fresh = `contract-ends-${randomUUID()}`;
      await fixture.broker.ensureTopics([{ topic: fresh, partitions: 3 }]);
      expect([...(await fixture.broker.endOffsets(fresh)).entries()].sort()).toEqual([[0, '0'], [1, '0'], [2, '0']]);
      await fixture.publisher.publish(fresh, Array.from({ length: 12 }, (_, i) => ({ key: `k-${i}`, value: String(i) })));
      const ends = await fixture.broker.endOffsets(fresh);
      const read: IncomingMessage[] = [];
      for await (const m of fixture.broker.readTopic(fresh)) read.push(m);
      for (const partition of [0, 1, 2]) {
        const offsets = read.filter((m) => m.partition === partition).map((m) => Number(m.offset));
        expect({ partition, end: ends.get(partition) }).toEqual({ partition, end: String(offsets.length === 0 ? 0 : Math.max(...offsets) + 1) });
      }
      expect([...ends.values()].reduce((n, end) => n + Number(end), 0)).toBe(12);
    }, timeoutMs * 2);

    it('tells a member when the group rebalances (it joins, another member joins)', async () => {
      const groupId = `g-${randomUUID()}`;
      let told = 0;
      const first = await fixture.broker.consume({ topic, groupId, onAssignment: () => void told++, eachBatch: async () => undefined });
      await waitFor(() => told >= 1, { timeoutMs, message: 'the first assignment' });
      const before = told;
      const second = await fixture.broker.consume({ topic, groupId, eachBatch: async () => undefined });
      await waitFor(() => told > before, { timeoutMs, message: 'the rebalance after a second member joined' });
      await Promise.all([first.stop(), second.stop()]);
    }, timeoutMs * 3);
  });
}
