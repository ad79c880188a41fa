import type { AppConfig } from '@crm/config';
import { EventStore, SqliteEventStore } from '@crm/event-store';

/** The configured event-store adapter (also used by the rebuild tool). */
export async function openEventStore(config: AppConfig): Promise<EventStore> {
  if (config.EVENT_STORE === 'esdb') {
    const { EsdbEventStore } = await import('@crm/event-store');
    return EsdbEventStore.connect({ connectionString: config.ESDB_URL! });
  }
  return SqliteEventStore.open({ dataDir: config.DATA_DIR, pollIntervalMs: config.STORE_POLL_MS });
}
