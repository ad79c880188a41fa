import { randomUUID } from 'node:crypto';
import { clientApiKey } from '@crm/config';
import { spawnService, tempDir, waitFor, within } from '@crm/testing';
import { PlatformHarness, contact, purchase, startPlatform } from './platform-harness';
import { SseEvent, SseStream, openSse } from './sse-client';

jest.setTimeout(60_000);

const customerOf = (e: SseEvent) => (JSON.parse(e.data) as { customerId: string }).customerId;
const of = (customerId: string) => (e: SseEvent) => customerOf(e) === customerId;

describe('GET /v1/changes (embedded platform)', () => {
  let dir: ReturnType<typeof tempDir>;
  let platform: PlatformHarness | null;
  let base: string;
  const streams: SseStream[] = [];

  const start = async (env: Record<string, string> = {}) => {
    platform = await startPlatform(dir.path, { SEGMENTATION_INTERVAL_SEC: '0', ...env });
    await platform.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(platform.app.getHttpServer().address() as { port: number }).port}`;
  };
  const open = async (headers: Record<string, string> = {}, path = '/v1/changes') => {
    const stream = await openSse(`${base}${path}`, { Authorization: `Bearer ${platform!.apiKey}`, ...headers });
    streams.push(stream);
    return stream;
  };
  /** A first purchase: three changes (lifecycle, trust and loyalty stage from nothing). */
  const newCustomer = async () => {
    const customerId = `C-${randomUUID()}`;
    await platform!.http.post('/v1/events').send(purchase(customerId)).expect(202);
    return customerId;
  };

  beforeEach(() => {
    dir = tempDir('crm-e2e-changes-');
    platform = null;
  });
  afterEach(async () => {
    streams.splice(0).forEach((s) => s.close());
    await platform?.close();
    dir.remove();
  });

  it('sends the same changes, with the same ids, to every stream, and a reconnect with Last-Event-ID gets only the later ones', async () => {
    await start();
    const [first, second] = [await open(), await open()];
    expect(first.status).toBe(200);
    expect(first.contentType).toContain('text/event-stream');

    const a = await newCustomer();
    const seenByFirst = await first.waitForEvents(3, { where: of(a) });
    const seenBySecond = await second.waitForEvents(3, { where: of(a) });
    expect(seenByFirst).toEqual(seenBySecond);
    const { position } = (await platform!.http.get(`/v1/customers/${a}`).expect(200)).body;
    expect(seenByFirst.map((e) => e.id).sort()).toEqual([`${position}:lifecycleStage`, `${position}:loyaltyStage`, `${position}:trustStage`]);
    expect(seenByFirst.map((e) => JSON.parse(e.data))).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'lifecycleStage', from: null, to: 'exploration', position })]));

    // The first client drops; changes go on while it is away.
    const lastSeen = first.events.at(-1)!.id!;
    first.close();
    const b = await newCustomer();
    await platform!.http.post('/v1/events').send(contact(a, { occurredAt: '2026-03-20T09:00:00Z' })).expect(202);
    const c = await newCustomer();
    await second.waitForEvents(3, { where: of(c) });
    const missed = second.events.slice(second.events.findIndex((e) => e.id === lastSeen) + 1);
    expect(missed.filter(of(b))).toHaveLength(3);

    const resumed = await open({ 'Last-Event-ID': lastSeen });
    await resumed.waitForEvents(missed.length);
    expect(resumed.events.slice(0, missed.length)).toEqual(missed);
    expect(resumed.events.some((e) => e.id === lastSeen || (customerOf(e) === a && seenByFirst.some((s) => s.id === e.id)))).toBe(false);

    // …and then it is live again, like the others.
    const d = await newCustomer();
    await resumed.waitForEvents(3, { where: of(d) });
    expect(resumed.events.filter(of(d))).toEqual(await second.waitForEvents(3, { where: of(d) }));
  });

  it('resumes from ?lastEventId= too, for clients that cannot set headers', async () => {
    await start();
    const stream = await open();
    const a = await newCustomer();
    const [firstChange] = await stream.waitForEvents(3, { where: of(a) });
    const resumed = await open({}, `/v1/changes?lastEventId=${encodeURIComponent(firstChange.id!)}`);
    await resumed.waitForEvents(2);
    expect(resumed.events).toEqual(stream.events.slice(stream.events.indexOf(firstChange) + 1));
  });

  it('answers an id older than the buffer (or unknown, or malformed) with a reset event, then goes on live', async () => {
    await start({ CHANGES_BUFFER_SIZE: '4' });
    const watcher = await open();
    const a = await newCustomer();
    const [oldest] = await watcher.waitForEvents(3, { where: of(a) });
    const b = await newCustomer();
    await watcher.waitForEvents(3, { where: of(b) });

    const expired = await open({ 'Last-Event-ID': oldest.id! });
    const [reset] = await expired.waitForEvents(1, { type: 'reset' });
    expect(expired.events[0]).toBe(reset);
    expect(JSON.parse(reset.data)).toMatchObject({ reason: 'expired', lastEventId: oldest.id, newestHeld: watcher.events.at(-1)!.id });
    // Its id is the newest change held: an EventSource reconnecting after it resumes from there.
    expect(reset.id).toBe(watcher.events.at(-1)!.id);
    const c = await newCustomer();
    await expired.waitForEvents(3, { where: of(c) });
    expect(expired.events.filter((e) => e.type === 'relationship-change')).toEqual(watcher.events.filter(of(c)));

    const unknown = await open({ 'Last-Event-ID': '999999999:lifecycleStage' });
    expect(JSON.parse((await unknown.waitForEvents(1, { type: 'reset' }))[0].data)).toMatchObject({ reason: 'unknown' });
    const malformed = await open({ 'Last-Event-ID': 'not-an-id' });
    expect(JSON.parse((await malformed.waitForEvents(1, { type: 'reset' }))[0].data)).toMatchObject({ reason: 'malformed' });
  });

  it('sends a heartbeat comment every CHANGES_HEARTBEAT_SEC on an idle stream', async () => {
    await start({ CHANGES_HEARTBEAT_SEC: '0.1' });
    const stream = await open();
    await waitFor(() => stream.comments.filter((c) => c === 'heartbeat').length >= 3, { timeoutMs: 5000, message: 'three heartbeats' });
    expect(stream.events).toEqual([]);
  });

  it('closes within 5 s with streams open, ending each of them', async () => {
    await start();
    const open3 = await Promise.all([open(), open(), open()]);
    await newCustomer();
    await open3[0].waitForEvents(3);
    await within(platform!.close(), 5000, 'app.close() with three open streams');
    platform = null;
    await expect(within(Promise.all(open3.map((s) => s.ended)), 1000, 'the streams to end')).resolves.toEqual([true, true, true]);
  });
});

describe('the platform process with a stream open', () => {
  it('exits within 5 s of SIGTERM, ending the stream', async () => {
    const dir = tempDir('crm-e2e-sigterm-');
    const service = spawnService('platform', { DATA_DIR: dir.path, LOG_LEVEL: 'log', SEGMENTATION_INTERVAL_SEC: '0' });
    try {
      const port = await within(service.ready, 45_000, `the platform to listen:\n${service.output()}`);
      const stream = await openSse(`http://127.0.0.1:${port}/v1/changes`, { Authorization: `Bearer ${clientApiKey({}, dir.path)}` });
      expect(stream.status).toBe(200);
      const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => service.process.once('exit', (code, signal) => resolve({ code, signal })));
      const sent = Date.now();
      service.process.kill('SIGTERM');
      const exit = await within(exited, 5000, `exit after SIGTERM with a stream open:\n${service.output()}`);
      expect(Date.now() - sent).toBeLessThan(5000);
      // Nest re-raises the signal once its shutdown hooks ran: a graceful exit, not a kill.
      expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
      expect(await stream.ended).toBe(true);
      expect(service.output()).toContain('stopped (1 stream(s) ended)');
      expect(service.output()).toContain('adapters closed');
    } finally {
      await service.kill9();
      dir.remove();
    }
  });
});
