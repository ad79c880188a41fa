import { createServer, type Server } from 'node:net';
import { EventStoreUnavailableError } from '../event-store.port';
import { EsdbEventStore } from './esdb-event-store';

/** A port with nothing listening: bind an ephemeral port, then free it. */
async function closedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('EsdbEventStore.connect without a server', () => {
  it('fails with a retriable EventStoreUnavailableError when nothing listens', async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await EsdbEventStore.connect({ connectionString: `esdb://127.0.0.1:${port}?tls=false` }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(EventStoreUnavailableError);
    expect((error as EventStoreUnavailableError).retriable).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 20_000);

  it('rejects settings under which an abandoned claim could still be appended, before connecting', async () => {
    await expect(
      EsdbEventStore.connect({ connectionString: 'esdb://127.0.0.1:1?tls=false', claimLeaseMs: 10_000, appendDeadlineMs: 5_000 }),
    ).rejects.toThrow(/claimLeaseMs must exceed twice appendDeadlineMs/);
    await expect(EsdbEventStore.connect({ connectionString: '' })).rejects.toThrow(TypeError);
    await expect(
      EsdbEventStore.connect({ connectionString: 'esdb://127.0.0.1:1?tls=false', claimStreamPrefix: '' }),
    ).rejects.toThrow(RangeError);
  });
});
