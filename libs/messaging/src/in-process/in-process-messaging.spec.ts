import { waitFor } from '../../../testing/src/async.helpers';
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
    await waitFor(() => seen.length >= 5, { timeoutMs: 2000 });
    await handle.stop();
    expect(seen).toEqual(['7:7', '8:8', '9:9', '10:10', '11:11']);
  });
});

describe('InProcessBus from the end', () => {
  it('delivers what is published after a group joins with fromBeginning false, not before', async () => {
    const bus = new InProcessBus(2);
    bus.publish('t', [{ key: 'a', value: 'old' }]);
    const seen: string[] = [];
    const handle = bus.join({ topic: 't', groupId: 'late', fromBeginning: false, eachBatch: async (b) => void seen.push(...b.messages.map((m) => m.value ?? '')) });
    bus.publish('t', [{ key: 'a', value: 'new-1' }, { key: 'b', value: 'new-2' }]);
    await waitFor(() => seen.length >= 2, { timeoutMs: 2000 });
    await handle.stop();
    expect(seen.sort()).toEqual(['new-1', 'new-2']);
  });
});

describe('InProcessBus with bytes', () => {
  it('delivers a Buffer value as text and as its bytes, so a dead letter can keep them', async () => {
    const bus = new InProcessBus(1);
    const seen: { value: string | null; bytes: number[] }[] = [];
    const handle = bus.join({ topic: 't', groupId: 'g', eachBatch: async (b) => void seen.push(...b.messages.map((m) => ({ value: m.value, bytes: [...(m.valueBytes ?? [])] }))) });
    new InProcessPublisher(bus).publish('t', [{ key: 'k', value: Buffer.from([0x41, 0xff]) }]);
    await waitFor(() => seen.length === 1, { timeoutMs: 2000 });
    await handle.stop();
    expect(seen).toEqual([{ value: 'A\ufffd', bytes: [0x41, 0xff] }]);
  });
});
