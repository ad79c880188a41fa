import { messagingContract } from '../../../testing/src/messaging.contract';
import { InProcessBroker, InProcessBus, InProcessPublisher } from './in-process-messaging';

messagingContract(
  'in-process',
  async () => {
    const bus = new InProcessBus();
    const broker = new InProcessBroker(bus);
    return { broker, publisher: new InProcessPublisher(bus), cleanup: () => broker.close() };
  },
  { timeoutMs: 2000 },
);
