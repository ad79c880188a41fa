import { logLevel } from 'kafkajs';
import { kafkaLogCreator } from './kafka-messaging';

describe('kafkaLogCreator', () => {
  const entries: [string, string, string][] = [];
  const log = kafkaLogCreator((level, namespace, message) => entries.push([level, namespace, message]))!(logLevel.DEBUG);
  const entry = (level: logLevel, message: string, extra: Record<string, unknown> = {}) => log({ namespace: 'Connection', level, label: '', log: { timestamp: 't', logger: 'kafkajs', message, ...extra } });
  beforeEach(() => entries.splice(0));

  it('maps the levels, and the transient errors of a healthy cluster to warnings', () => {
    entry(logLevel.ERROR, 'Response Metadata', { error: 'There is no leader for this topic-partition as we are in the middle of a leadership election' });
    entry(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded', { retriable: true });
    entry(logLevel.ERROR, 'Connection error: ECONNREFUSED');
    entry(logLevel.WARN, 'slow');
    entry(logLevel.INFO, 'Consumer has joined the group');
    entry(logLevel.DEBUG, 'Request Fetch');
    expect(entries).toEqual([
      ['warn', 'Connection', 'Response Metadata: There is no leader for this topic-partition as we are in the middle of a leadership election'],
      ['warn', 'Connection', 'Crash: KafkaJSNumberOfRetriesExceeded'],
      ['error', 'Connection', 'Connection error: ECONNREFUSED'],
      ['warn', 'Connection', 'slow'],
      ['log', 'Connection', 'Consumer has joined the group'],
      ['debug', 'Connection', 'Request Fetch'],
    ]);
  });
});
