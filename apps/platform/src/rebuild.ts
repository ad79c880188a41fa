import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { Presets, SingleBar } from 'cli-progress';
import { Command } from 'commander';
import { ConfigError, clientApiKey, loadConfig } from '@crm/config';
import { openEventStore, openReadStoreGenerations } from '@crm/infrastructure';
import { RebuildOptions, RebuildStatus, ServingGeneration, createCustomerProjection, isFinishedPhase, runBlueGreenRebuild } from '@crm/projection';
import { runningPlatform } from './platform-lock';

interface CliOptions {
  policy?: string;
  keep?: boolean;
  restart?: boolean;
  verify?: boolean;
  asOf?: string;
  url?: string;
  apiKey?: string;
  progress: boolean;
  batchSize: number;
  cacheViews: number;
  saveEvery: number;
}

/**
 * npm run rebuild: a blue-green rebuild. The views of the current code (and the served policy,
 * or --policy) are built in a new generation of the read models while the served one keeps
 * answering, then readers switch to it. With a platform running (the embedded one on this data
 * directory, or --url) the platform runs it and this command shows its progress (Ctrl-C cancels
 * it before its switch); otherwise it runs here. A rebuild killed at any point resumes when
 * started again with the same target.
 */
async function main(): Promise<void> {
  const options = new Command('rebuild')
    .description('Build the views again beside the served ones and switch to them (no read downtime)')
    .option('--policy <file>', 'fold with this policy file (validated) instead of the served one: the switch then applies it')
    .option('--keep', 'keep the old generation after the switch (default: dropped)')
    .option('--restart', 'start from scratch even when an interrupted rebuild of the same target could be resumed')
    .option('--verify', 'compare every view before and after, evaluated at one instant; names the customers and fields that differ (exit 2)')
    .option('--as-of <iso>', 'population pass (and verify) as of this instant (default: now)')
    .option('--url <url>', 'the running platform (query API) to ask; default: the embedded platform on DATA_DIR if it runs')
    .option('--api-key <key>', 'with the running platform: a key with the admin scope (default: CRM_API_KEY, else the key generated in DATA_DIR)')
    .option('--no-progress', 'no progress bar (for logs)')
    .option('--batch-size <n>', 'events per batch of the views phase (here only)', (v) => Number.parseInt(v, 10), 2000)
    .option('--cache-views <n>', 'customers whose views stay in memory in the views phase; 0: load and commit each batch (here only)', (v) => Number.parseInt(v, 10), 10_000)
    .option('--save-every <n>', 'events between two saves of the progress a killed rebuild resumes from (here only)', (v) => Number.parseInt(v, 10), 50_000)
    .parse()
    .opts<CliOptions>();
  for (const [flag, value, min] of [['--save-every', options.saveEvery, 1], ['--cache-views', options.cacheViews, 0], ['--batch-size', options.batchSize, 1]] as const) {
    if (!Number.isSafeInteger(value) || value < min) throw new ConfigError([`${flag} must be an integer ≥ ${min}, got ${value}`]);
  }
  const config = loadConfig();
  const policy = options.policy === undefined ? undefined : readPolicy(options.policy);
  const url = options.url ?? (config.EVENT_STORE === 'sqlite' && runningPlatform(config.DATA_DIR) ? `http://127.0.0.1:${config.PORT}` : undefined);
  const request = { policy, keep: options.keep, restart: options.restart, verify: options.verify, asOf: options.asOf };
  const apiKey = options.apiKey ?? clientApiKey(process.env, config.DATA_DIR);
  const final = url ? await viaPlatform(url, request, options.progress, apiKey) : await here(config, { ...request, batchSize: options.batchSize, cacheViews: options.cacheViews, saveEvery: options.saveEvery }, options.progress);
  report(final);
}

/** Runs the rebuild in this process (no platform on this data): the same job the platform runs. */
async function here(config: ReturnType<typeof loadConfig>, options: RebuildOptions, progress: boolean): Promise<RebuildStatus> {
  const eventStore = await openEventStore(config);
  const generations = await openReadStoreGenerations(config);
  const bar = progressBar(progress);
  try {
    const serving = new ServingGeneration(generations, createCustomerProjection(config.POLICY_FILE));
    const kill = process.env.REBUILD_FAULT_KILL_AFTER_EVENTS;
    let announced = false;
    return await runBlueGreenRebuild(eventStore, serving, {
      ...options,
      // Embedded: nobody else writes this data directory (the platform is not running). Redis: services elsewhere may.
      settleMs: config.READ_STORE === 'sqlite' ? 0 : 2 * config.GENERATION_POLL_MS + 1000,
      ...(kill === undefined ? {} : { killAfterEvents: Number(kill) }),
      onProgress: (status) => {
        if (!announced) console.log(`${status.resumed ? 'resuming' : 'started'} ${status.id} (started at ${status.startedAt}, head ${status.head}) in its ${status.phase} phase: generation ${status.generation} (${status.projectionVersion})`);
        announced = true;
        bar.show(status);
      },
    });
  } finally {
    bar.stop();
    await eventStore.close();
    await generations.close();
  }
}

/** Asks the running platform to rebuild and follows it (Ctrl-C cancels it before its switch). */
async function viaPlatform(url: string, body: Record<string, unknown>, progress: boolean, apiKey: string | undefined): Promise<RebuildStatus> {
  const api = async (method: string, path: string, payload?: unknown): Promise<{ status: number; body: unknown }> => {
    const response = await fetch(new URL(path, url), {
      method,
      headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}) },
      body: payload === undefined ? undefined : JSON.stringify(payload),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
  const started = await api('POST', '/v1/admin/rebuilds', body);
  if (started.status !== 202) throw new Error(`the platform at ${url} answered ${started.status}: ${JSON.stringify(started.body)}`);
  let status = started.body as RebuildStatus;
  console.log(`${status.resumed ? 'resuming' : 'started'} ${status.id} on the platform at ${url} in its ${status.phase} phase: generation ${status.generation} (${status.projectionVersion})`);
  const bar = progressBar(progress);
  let cancelling = false;
  const onInterrupt = () => {
    if (cancelling) process.exit(130);
    cancelling = true;
    void api('DELETE', `/v1/admin/rebuilds/${status.id}`).then((r) => console.error(r.status === 202 ? `\ncancelling ${status.id}` : `\n${status.id} cannot be cancelled now (${JSON.stringify(r.body)})`));
  };
  process.on('SIGINT', onInterrupt);
  try {
    while (!isFinishedPhase(status.phase)) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const polled = await api('GET', `/v1/admin/rebuilds/${status.id}`);
      if (polled.status !== 200) throw new Error(`the platform lost ${status.id} (${polled.status}): it restarted? Start the rebuild again to resume it`);
      status = polled.body as RebuildStatus;
      bar.show(status);
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    bar.stop();
  }
  return status;
}

function report(status: RebuildStatus): void {
  if (status.phase === 'cancelled') {
    console.log(`${status.id} cancelled: generation ${status.generation} dropped, generation ${status.previousGeneration} still served`);
    process.exitCode = 130;
    return;
  }
  if (status.phase === 'failed') throw new Error(`${status.id} failed: ${status.error}`);
  const seconds = (Date.parse(status.finishedAt ?? new Date().toISOString()) - Date.parse(status.startedAt)) / 1000;
  const phases = Object.entries(status.seconds)
    .map(([phase, s]) => `${phase} ${s} s`)
    .join(', ');
  console.log(
    `rebuilt ${status.views} views (${status.projectionVersion}) into generation ${status.generation} from ${status.events} events in ${seconds.toFixed(1)} s (${phases}), ` +
      `${status.skippedEvents > 0 ? `${status.skippedEvents} events skipped (their fold threw), ` : ''}checkpoint ${status.head}; ` +
      `generation ${status.previousGeneration} ${status.keep ? 'kept' : 'dropped'}${status.resumed ? ' (resumed)' : ''}, peak RSS of this process ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
  );
  for (const line of status.verify?.lines ?? []) console.log(line);
  if (status.verify?.identical === false) process.exitCode = 2;
}

function readPolicy(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError([`--policy ${file}: ${(error as Error).message}`]);
  }
}

/** A progress bar per phase with rate and ETA (cli-progress), or nothing. */
function progressBar(enabled: boolean): { show(status: RebuildStatus): void; stop(): void } {
  if (!enabled) return { show: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ format: 'rebuild {phase} |{bar}| {value}/{total} events | {rate} ev/s | ETA {eta}', hideCursor: true }, Presets.shades_classic);
  let phase: string | null = null;
  return {
    show(status) {
      const payload = { phase: status.phase.padEnd(10), rate: status.rate, eta: status.etaSeconds === null ? '-' : `${status.etaSeconds}s` };
      if (status.phase !== phase) {
        if (phase !== null) bar.stop();
        phase = status.phase;
        bar.start(Math.max(status.total, status.done), status.done, payload);
      } else {
        bar.setTotal(Math.max(status.total, status.done));
        bar.update(status.done, payload);
      }
    },
    stop: () => bar.stop(),
  };
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? error.message : error instanceof Error ? error.message : error);
  process.exit(1);
});
