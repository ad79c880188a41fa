import { AppConfig, redactSecrets } from '@crm/config';
import { EventStore, SqliteEventStore } from '@crm/event-store';
import { esdbConnectionString } from './connection-options';

/** The configured event-store adapter (also used by the rebuild tool). */
export async function openEventStore(config: AppConfig): Promise<EventStore> {
  if (config.EVENT_STORE === 'esdb') {
    const { EsdbEventStore } = await import('@crm/event-store');
    try {
      return await EsdbEventStore.connect({ connectionString: esdbConnectionString(config) });
    } catch (error) {
      // The client's errors can quote the connection string, password included (its ParseError
      // keeps it in a `connectionString` property, which console.error prints).
      if (error instanceof Error) {
        const fields = error as unknown as Record<string, unknown>;
        for (const name of ['message', 'stack', ...Object.keys(error)]) {
          if (typeof fields[name] === 'string') fields[name] = redactSecrets(fields[name], config);
        }
      }
      throw error;
    }
  }
  return SqliteEventStore.open({ dataDir: config.DATA_DIR, pollIntervalMs: config.STORE_POLL_MS });
}
