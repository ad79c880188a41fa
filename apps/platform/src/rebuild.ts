import 'reflect-metadata';
import { createHash } from 'node:crypto';
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import { ConfigError, loadConfig } from '@crm/config';
import { CUSTOMER_STREAM_PREFIX } from '@crm/contracts';
import { SqliteEventStore, toStoredInteractionEvent } from '@crm/event-store';
import { ProjectionRunner, createCustomerProjection } from '@crm/projector';
import { ReadStore, SqliteReadStore } from '@crm/read-store';
import { assertPlatformNotRunning } from './platform-lock';

/**
 * npm run rebuild: clears the views and replays the whole history through the projector.
 * Streams the log page by page, so memory stays flat however long the history is.
 */
async function main(): Promise<void> {
  const options = new Command('rebuild')
    .description('Clear the read models and replay every event through the current projection')
    .option('--batch-size <n>', 'events per read-store commit', (v) => Number.parseInt(v, 10), 2000)
    .option('--verify', 'compare a digest of the views before and after (they must be equal when the projection did not change)')
    .option('--no-progress', 'no progress bar (for logs)')
    .parse()
    .opts<{ batchSize: number; verify?: boolean; progress: boolean }>();
  const config = loadConfig();
  assertPlatformNotRunning(config.DATA_DIR);

  const eventStore = SqliteEventStore.open({ dataDir: config.DATA_DIR, pollIntervalMs: config.STORE_POLL_MS });
  const readStore = SqliteReadStore.open({ dataDir: config.DATA_DIR });
  try {
    const before = options.verify ? await digestViews(readStore) : null;
    const projection = createCustomerProjection();
    const runner = new ProjectionRunner(eventStore, readStore, projection);
    const total = await eventStore.count({ streamPrefix: CUSTOMER_STREAM_PREFIX });
    await readStore.clear();

    const bar = new SingleBar(
      { format: 'rebuild |{bar}| {value}/{total} events | {rate} ev/s | ETA {eta_formatted}', etaBuffer: 50, hideCursor: true },
      Presets.shades_classic,
    );
    const started = performance.now();
    if (options.progress) bar.start(total, 0, { rate: 0 });
    let done = 0;
    let batch = [];
    for await (const recorded of eventStore.readAll({ streamPrefix: CUSTOMER_STREAM_PREFIX })) {
      batch.push(toStoredInteractionEvent(recorded));
      if (batch.length >= options.batchSize) {
        await runner.applyBatch(batch);
        done += batch.length;
        batch = [];
        if (options.progress) bar.update(done, { rate: Math.round(done / ((performance.now() - started) / 1000)) });
      }
    }
    if (batch.length > 0) await runner.applyBatch(batch);
    done += batch.length;
    if (options.progress) {
      bar.update(done, { rate: Math.round(done / ((performance.now() - started) / 1000)) });
      bar.stop();
    }
    const seconds = (performance.now() - started) / 1000;
    const views = await readStore.countViews();
    console.log(
      `rebuilt ${views} views of projection ${projection.name}@${projection.version} from ${done} events in ${seconds.toFixed(1)} s ` +
        `(${Math.round(done / Math.max(seconds, 0.001))} events/s), checkpoint ${runner.position}, peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
    );
    if (before) {
      const after = await digestViews(readStore);
      console.log(before === after ? `verify: views identical (sha256 ${after.slice(0, 16)}…)` : `verify: views DIFFER (before ${before.slice(0, 16)}…, after ${after.slice(0, 16)}…)`);
      if (before !== after) process.exitCode = 2;
    }
  } finally {
    await eventStore.close();
    await readStore.close();
  }
}

async function digestViews(readStore: ReadStore): Promise<string> {
  const hash = createHash('sha256');
  for await (const record of readStore.scanViews()) hash.update(JSON.stringify(record)).update('\n');
  return hash.digest('hex');
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
  process.exit(1);
});
