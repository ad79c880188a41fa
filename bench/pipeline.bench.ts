/**
 * npm run bench:pipeline — events/s through relay → Kafka → projector → Redis on this
 * machine, end-to-end latency (HTTP publish → visible in the query API) at half that rate,
 * and the broker's own producer/consumer limit measured in the same run.
 *
 * The relay and the projector run as their own processes, as in production; the bench process
 * plays ingest-api and query-api. Needs Kafka and Redis (npm run infra:local), and the build
 * (npm run bench:pipeline builds first). Options: --events=N (default 50,000),
 * --latency-seconds=N (default 10), --customers=N (default 5,000).
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { repoRoot } from './repo-root';
import { Command } from 'commander';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@crm/config';
import { InteractionEvent, sampleEvent } from '@crm/contracts';
import { SqliteEventStore, appendByCustomer } from '@crm/event-store';
import { createServiceApp } from '@crm/infrastructure';
import { IngestModule } from '@crm/ingest-api';
import { QueryModule } from '@crm/query-api';
import { ReadStore, RedisReadStore } from '@crm/read-store';

const options = new Command('bench:pipeline')
  .option('--events <n>', 'events for the throughput phase', (v) => Number.parseInt(v, 10), 50_000)
  .option('--customers <n>', 'distinct customers', (v) => Number.parseInt(v, 10), 5_000)
  .option('--latency-seconds <n>', 'duration of the latency phase', (v) => Number.parseInt(v, 10), 10)
  .parse()
  .opts<{ events: number; customers: number; latencySeconds: number }>();

const ROOT = repoRoot();
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function event(i: number, customers: number, customerId = `C-${i % customers}`): InteractionEvent {
  return sampleEvent('PurchaseMade', {
    eventId: randomUUID(),
    customerId,
    occurredAt: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
    source: 'bench',
    data: { orderId: `O-${i}`, amount: 1000 + (i % 5000), productCategory: ['books', 'music', 'games'][i % 3], productId: `P-${i % 97}` },
  });
}

interface Service {
  process: ChildProcess;
  port: Promise<number>;
  stop: () => Promise<void>;
}

/** One of the platform's services from the build, as its own process (like a container). */
function startService(app: 'relay' | 'projector', env: Record<string, string>): Service {
  const child = spawn(process.execPath, ['-r', join(ROOT, 'tools/register-paths.js'), join(ROOT, `dist/apps/${app}/src/main.js`)], {
    cwd: ROOT,
    env: { ...process.env, ...env, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const port = new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /on http:\/\/localhost:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`${app} exited with ${code}: ${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    port,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function main() {
  const id = randomUUID().slice(0, 8);
  const dir = { path: mkdtempSync(join(tmpdir(), 'crm-bench-pipeline-')) };
  const env = {
    DATA_DIR: dir.path,
    EVENT_STORE: 'sqlite',
    TRANSPORT: 'kafka',
    READ_STORE: 'redis',
    KAFKA_BROKERS: brokers,
    REDIS_URL: redisUrl,
    KAFKA_TOPIC_PREFIX: `bench-${id}.`,
    REDIS_KEY_PREFIX: `bench-${id}:`,
    PROJECTOR_GROUP_ID: `bench-${id}`,
    PROJECTOR_BATCH_SIZE: '1000',
    STORE_POLL_MS: '10',
    LOG_LEVEL: 'warn',
    PORT: '0',
    SEGMENTATION_INTERVAL_SEC: '0',
  };
  const config = loadConfig(env);
  let app: NestExpressApplication | null = null;
  const children: Service[] = [];
  const views: ReadStore = await RedisReadStore.connect({ url: redisUrl, keyPrefix: env.REDIS_KEY_PREFIX });
  try {
    // Phase 1: a backlog of N events in the store, then time relay → Kafka → projector → Redis.
    const store = SqliteEventStore.open({ dataDir: dir.path });
    const backlog = Array.from({ length: options.events }, (_, i) => event(i, options.customers));
    for (let i = 0; i < backlog.length; i += 1000) {
      const chunk = backlog.slice(i, i + 1000);
      await appendByCustomer(store, chunk);
    }
    await store.close();
    const messageBytes = Buffer.byteLength(JSON.stringify({ ...backlog[0], revision: 0, position: 1, recordedAt: new Date().toISOString() }));

    const relay = startService('relay', env);
    const projector = startService('projector', env);
    children.push(relay, projector);
    const projectorPort = await projector.port;
    await relay.port;
    const applied = async () => {
      const res = await fetch(`http://127.0.0.1:${projectorPort}/health`);
      const body = (await res.json()) as { checks: { projector?: { applied?: number } } };
      return body.checks.projector?.applied ?? 0;
    };
    // The clock starts at the first folded batch: app start-up and the group join are not throughput.
    let first = 0;
    while ((first = await applied()) === 0) await new Promise((r) => setTimeout(r, 2));
    const started = performance.now();
    while ((await applied()) < options.events) await new Promise((r) => setTimeout(r, 5));
    const seconds = (performance.now() - started) / 1000;
    const sustained = (options.events - first) / seconds;

    // Phase 2: HTTP publishes at half the sustained rate; latency until the view shows the event.
    app = await createServiceApp('bench', config, [IngestModule, QueryModule], { logger: ['error'] });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as { port: number };
    const base = `http://127.0.0.1:${port}`;
    const rate = sustained / 2;
    const batchEvery = 50; // ms
    const perTick = Math.max(1, Math.round((rate * batchEvery) / 1000));
    const latencies: number[] = [];
    const pending: Promise<void>[] = [];
    const phaseEnd = performance.now() + options.latencySeconds * 1000;
    let i = options.events;
    while (performance.now() < phaseEnd) {
      const tick = performance.now();
      // One sampled customer per tick (fresh id), the rest background load on existing customers.
      const sample = event(i++, options.customers, `L-${randomUUID()}`);
      const batch = [sample, ...Array.from({ length: perTick - 1 }, () => event(i++, options.customers))];
      pending.push(
        (async () => {
          const t0 = performance.now();
          const res = await fetch(`${base}/v1/events/batch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events: batch }) });
          if (res.status !== 202) throw new Error(`publish answered ${res.status}`);
          while (!(await views.getView(sample.customerId))) await new Promise((r) => setTimeout(r, 2));
          latencies.push(performance.now() - t0);
        })(),
      );
      const wait = batchEvery - (performance.now() - tick);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(pending);
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    const achieved = (i - options.events) / options.latencySeconds;

    await app.close();
    app = null;
    await Promise.all(children.splice(0).map((c) => c.stop()));

    // Phase 3: the broker's own limit, same record count and size, same machine, same run.
    const perf = JSON.parse(
      execFileSync('bash', [join(ROOT, 'infra/kafka/perf.sh'), '--json', String(options.events), String(messageBytes)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .trim()
        .split('\n')
        .pop()!,
    );

    const round = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`\nPipeline benchmark: ${options.events.toLocaleString('en-US')} events, ${options.customers.toLocaleString('en-US')} customers, ~${messageBytes} B per message, 6 partitions, relay and projector in their own processes\n`);
    console.table([
      { measure: 'relay → Kafka → projector → Redis (events/s)', value: round(sustained), aim: '≥ 30,000', verdict: sustained >= 30_000 ? 'PASS' : 'BELOW' },
      { measure: 'broker alone: producer, acks=all (records/s)', value: round(perf.producer.recordsPerSec), aim: 'limit', verdict: `pipeline at ${Math.round((100 * sustained) / perf.producer.recordsPerSec)} %` },
      { measure: 'broker alone: consumer (records/s)', value: round(perf.consumer.recordsPerSec), aim: 'limit', verdict: '' },
      { measure: `HTTP publish rate in latency phase (events/s, target ${round(rate)})`, value: round(achieved), aim: '½ sustained', verdict: '' },
      { measure: 'end-to-end latency p50 (ms)', value: pct(50).toFixed(1), aim: '', verdict: '' },
      { measure: 'end-to-end latency p99 (ms)', value: pct(99).toFixed(1), aim: '≤ 250', verdict: pct(99) <= 250 ? 'PASS' : 'BELOW' },
      { measure: 'latency samples', value: String(latencies.length), aim: '', verdict: '' },
    ]);
  } finally {
    await app?.close();
    await Promise.all(children.map((c) => c.stop()));
    await views.clear();
    await views.close();
    rmSync(dir.path, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
