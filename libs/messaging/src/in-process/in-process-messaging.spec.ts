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

describe('InProcessBus retention', () => {
  it('keeps the last messages per partition and resumes a lagging group at the oldest retained one', async () => {
    const bus = new InProcessBus(1, 5);
    bus.publish('t', Array.from({ length: 12 }, (_, i) => ({ key: 'k', value: String(i) })));
    const seen: string[] = [];
    const handle = bus.join({ topic: 't', groupId: 'g', eachBatch: async (b) => void seen.push(...b.messages.map((m) => `${m.offset}:${m.value}`)) });
    const deadline = Date.now() + 2000;
    while (seen.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await handle.stop();
    expect(seen).toEqual(['7:7', '8:8', '9:9', '10:10', '11:11']);
  });
});
