import { parentPort, workerData } from 'node:worker_threads';
import type { AppConfig } from '@crm/config';
import { openEventStore, openReadStoreGenerations } from '@crm/infrastructure';
import { RebuildCancelledError, RebuildInterruptedError, RebuildOptions, RebuildStatus, ServingGeneration, createCustomerProjection, runBlueGreenRebuild } from '@crm/projection';

/** What the platform sends the rebuild worker, and what it answers. */
export interface RebuildWorkerData {
  config: AppConfig;
  options: Pick<RebuildOptions, 'policy' | 'keep' | 'restart' | 'asOf' | 'verify' | 'settleMs'>;
}
export type RebuildWorkerMessage =
  | { type: 'progress'; status: RebuildStatus }
  | { type: 'finished' }
  | { type: 'failed'; name: string; message: string };

/**
 * The platform's blue-green rebuild in a thread of its own: the fold, the writes to the new
 * generation and the population pass never hold the event loop that answers reads (in the
 * serving thread a 1M-event rebuild put the read p99 at 9× idle). Its own connections to the
 * stores; the switch is the control document, which the serving thread re-reads when told.
 */
async function run(): Promise<void> {
  const { config, options } = workerData as RebuildWorkerData;
  const port = parentPort!;
  const signal = new AbortController();
  const interrupt = new AbortController();
  port.on('message', (message: { type: 'cancel' | 'interrupt' }) => (message.type === 'cancel' ? signal : interrupt).abort());
  const eventStore = await openEventStore(config);
  const generations = await openReadStoreGenerations(config);
  try {
    const serving = new ServingGeneration(generations, createCustomerProjection(config.POLICY_FILE));
    await runBlueGreenRebuild(eventStore, serving, {
      ...options,
      signal: signal.signal,
      interrupt: interrupt.signal,
      onProgress: (status) => port.postMessage({ type: 'progress', status } satisfies RebuildWorkerMessage),
    });
    port.postMessage({ type: 'finished' } satisfies RebuildWorkerMessage);
  } catch (error) {
    const name = error instanceof RebuildCancelledError || error instanceof RebuildInterruptedError ? error.name : 'Error';
    port.postMessage({ type: 'failed', name, message: error instanceof Error ? error.message : String(error) } satisfies RebuildWorkerMessage);
  } finally {
    await eventStore.close();
    await generations.close();
    port.removeAllListeners('message'); // nothing keeps the thread alive: it ends
  }
}

void run();
