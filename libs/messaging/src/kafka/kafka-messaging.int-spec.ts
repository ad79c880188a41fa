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
