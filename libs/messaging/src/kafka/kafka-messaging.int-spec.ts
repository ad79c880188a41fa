import { waitFor } from '../../../testing/src/async.helpers';
import { messagingContract } from '../../../testing/src/messaging.contract';
import { KafkaBroker, KafkaPublisher, createKafka } from './kafka-messaging';

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';

messagingContract('Kafka', async () => {
  const kafka = createKafka({ brokers, clientId: 'messaging-contract' });
  const broker = new KafkaBroker(kafka);
  const publisher = new KafkaPublisher(kafka);
  return {
    broker,
    publisher,
    cleanup: async () => {
      await publisher.close();
      await broker.close();
    },
  };
});

describe('KafkaPublisher on a real broker', () => {
  it('publishes more than the broker’s 1 MiB batch limit in one call, all delivered in order', async () => {
    const { randomUUID } = await import('node:crypto');
    const kafka = createKafka({ brokers, clientId: 'publisher-size' });
    const broker = new KafkaBroker(kafka);
    const publisher = new KafkaPublisher(kafka);
    const topic = `size-${randomUUID()}`;
    try {
      await broker.ensureTopics([{ topic, partitions: 1 }]);
      const messages = Array.from({ length: 300 }, (_, i) => ({ key: 'same-customer', value: `${i}:${'v'.repeat(10_000)}` }));
      await publisher.publish(topic, messages);
      const seen: number[] = [];
      const consumer = await broker.consume({ topic, groupId: `g-${randomUUID()}`, eachBatch: async (b) => void seen.push(...b.messages.map((m) => Number(m.value!.split(':')[0]))) });
      await waitFor(() => seen.length >= 300, { timeoutMs: 30_000, message: '300 messages' });
      await consumer.stop();
      expect(seen).toEqual(messages.map((_, i) => i));
    } finally {
      await publisher.close();
      await broker.close();
    }
  }, 60_000);
});

describe('KafkaBroker consumer on a real broker', () => {
  const { randomUUID } = require('node:crypto') as typeof import('node:crypto');
  let kafka: ReturnType<typeof createKafka>;
  let broker: KafkaBroker;
  let publisher: KafkaPublisher;
  let topic: string;

  beforeEach(async () => {
    kafka = createKafka({ brokers, clientId: 'consumer-errors' });
    broker = new KafkaBroker(kafka);
    publisher = new KafkaPublisher(kafka);
    topic = `errors-${randomUUID()}`;
    await broker.ensureTopics([{ topic, partitions: 2 }]);
  });
  afterEach(async () => {
    await publisher.close();
    await broker.close();
  });

  // kafkajs takes a RangeError/TypeError for a bug and stops the consumer on every partition, for good.
  it.each([
    ['RangeError', () => new RangeError('Maximum call stack size exceeded')],
    ['TypeError', () => new TypeError("Cannot read properties of undefined (reading 'x')")],
  ])('redelivers a batch whose handler threw a %s instead of stopping the consumer', async (_name, error) => {
    const seen: string[] = [];
    let thrown = 0;
    const consumer = await broker.consume({
      topic,
      groupId: `g-${randomUUID()}`,
      eachBatch: async (b) => {
        if (thrown === 0 && b.messages.some((m) => m.value === 'bomb')) {
          thrown++;
          throw error();
        }
        seen.push(...b.messages.map((m) => m.value ?? ''));
      },
    });
    await publisher.publish(topic, [{ key: 'k', value: 'bomb' }, { key: 'k', value: 'after' }]);
    await waitFor(() => seen.includes('after'), { timeoutMs: 30_000, message: 'the batch again, after the error' });
    await publisher.publish(topic, [{ key: 'other', value: 'still consuming' }]);
    await waitFor(() => seen.includes('still consuming'), { timeoutMs: 30_000, message: 'later messages' });
    await consumer.stop();
    expect(thrown).toBe(1);
    expect(seen.filter((v) => v === 'bomb')).toHaveLength(1);
  }, 60_000);

  it('hands the bytes of a value over as they are, next to its UTF-8 text', async () => {
    const seen: { value: string | null; bytes: Buffer | null | undefined }[] = [];
    const consumer = await broker.consume({ topic, groupId: `g-${randomUUID()}`, eachBatch: async (b) => void seen.push(...b.messages.map((m) => ({ value: m.value, bytes: m.valueBytes }))) });
    await publisher.publish(topic, [{ key: 'k', value: Buffer.from([0x7b, 0xff, 0x7d]) }]);
    await waitFor(() => seen.length === 1, { timeoutMs: 30_000, message: 'one message' });
    await consumer.stop();
    expect([...seen[0].bytes!]).toEqual([0x7b, 0xff, 0x7d]);
    expect(seen[0].value).toBe('{\ufffd}');
  }, 60_000);
});
