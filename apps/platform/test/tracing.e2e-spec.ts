import { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { randomBytes, randomUUID } from 'node:crypto';
import { TRACEPARENT_HEADER } from '@crm/contracts';
import { EventStore } from '@crm/event-store';
import { startTracing, tracesRequested } from '@crm/infrastructure';
import { IncomingMessage } from '@crm/messaging';
import { tempDir, waitFor } from '@crm/testing';
import { distributedEnv, startDistributedApps } from './distributed-fixture';
import { purchase, startPlatform } from './platform-harness';

jest.setTimeout(120_000);

// One provider for the file, with an in-memory exporter: every span the apps make lands here.
const exporter = new InMemorySpanExporter();
const tracing = startTracing({ serviceName: 'crm-test', exporter });

const traceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  return { traceId, header: `00-${traceId}-${randomBytes(8).toString('hex')}-01` };
};
const spansOf = (traceId: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
const names = (spans: ReadableSpan[]) => [...new Set(spans.map((s) => s.name))].sort();
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

afterAll(() => tracing.shutdown());

describe('one trace from the publish to the read store', () => {
  it('is on only when the standard variables ask for it', () => {
    expect(tracesRequested({})).toBe(false);
    expect(tracesRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).toBe(true);
    expect(tracesRequested({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' })).toBe(true);
    expect(tracesRequested({ OTEL_TRACES_EXPORTER: 'otlp' })).toBe(true);
    expect(tracesRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracesRequested({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
  });

  it('embedded: HTTP publish → store append → projector fold → read-store commit, one trace id, the caller’s', async () => {
    const dir = tempDir('crm-e2e-tracing-');
    const platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0' });
    try {
      const { traceId, header } = traceparent();
      const event = purchase(`C-${randomUUID()}`);
      const stored = await platform.http.post('/v1/events').set('traceparent', header).send(event).expect(202);
      await platform.projector.runner.waitForPosition(stored.body.position, 10_000);
      const spans = await waitFor(() => (names(spansOf(traceId)).includes('readstore.commit') ? spansOf(traceId) : undefined), { timeoutMs: 10_000, message: 'the projector spans' });
      expect(names(spans)).toEqual(['POST /v1/events', 'projector.fold', 'readstore.commit', 'store.append']);
      const http = spans.find((s) => s.name === 'POST /v1/events')!;
      expect(http.attributes['http.response.status_code']).toBe(202);
      for (const child of spans.filter((s) => s !== http)) expect({ name: child.name, parent: parentOf(child) }).toEqual({ name: child.name, parent: http.spanContext().spanId });
      expect(spans.find((s) => s.name === 'projector.fold')!.attributes['crm.event_id']).toBe(event.eventId);
      // The context travels with the event: in the store's metadata.
      const [recorded] = await collect(platform.app.get(EventStore).readStream(`customer-${event.customerId}`));
      expect(recorded.metadata[TRACEPARENT_HEADER]).toMatch(new RegExp(`^00-${traceId}-${http.spanContext().spanId}-01$`));
    } finally {
      await platform.close();
      dir.remove();
    }
  });

  it('distributed: the relay carries it in a Kafka header, and the Kafka projector continues the trace', async () => {
    const deployment = distributedEnv({ KAFKA_PARTITIONS: '2' });
    const apps = await startDistributedApps('tracing', deployment);
    try {
      const seen: IncomingMessage[] = [];
      await apps.observe(apps.topics.interactions, seen);
      const { traceId, header } = traceparent();
      const event = purchase(`C-${randomUUID()}`);
      await apps.http.post('/v1/events').set('traceparent', header).send(event).expect(202);
      const spans = await waitFor(() => (names(spansOf(traceId)).includes('readstore.commit') ? spansOf(traceId) : undefined), { timeoutMs: 30_000, message: 'the Kafka projector spans' });
      expect(names(spans)).toEqual(['POST /v1/events', 'projector.fold', 'readstore.commit', 'relay.publish', 'store.append']);
      const message = await waitFor(() => seen.find((m) => m.headers.eventId === event.eventId), { timeoutMs: 30_000 });
      expect(message.headers[TRACEPARENT_HEADER]).toMatch(new RegExp(`^00-${traceId}-`));
    } finally {
      await apps.close();
    }
  });
});

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
