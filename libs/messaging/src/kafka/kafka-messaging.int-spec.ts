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
