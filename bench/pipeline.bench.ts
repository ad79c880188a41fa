/**
 * npm run bench:pipeline — events/s through relay → Kafka → projector → Redis on this
 * machine with one and with two projector processes (one consumer group), end-to-end latency
 * (HTTP publish → visible in the query API) at half each rate, and the broker's own
 * producer/consumer limit measured in the same run, each pipeline rate printed as a share of it.
 *
 * The relay and the projectors run as their own processes, as in production; the bench process
 * plays ingest-api and query-api. Needs Kafka and Redis (npm run infra:local), and the build
 * (npm run bench:pipeline builds first). The services are spawned from the build this file was
 * compiled into (its own outDir) with the same `-r` path registration the bench was started with,
 * so a private outDir works:
 *   npx tsc -p tsconfig.build.json --outDir /tmp/d --tsBuildInfoFile /tmp/d/.tsbuildinfo
 *   node -r <copy of tools/register-paths.js with baseUrl /tmp/d> /tmp/d/bench/pipeline.bench.js
 * Options: --events=N (default 50,000), --latency-seconds=N (default 10; 0 skips the phase),
 * --customers=N (default 5,000), --projectors=1,2 (the deployments to measure),
 * --cache-views=0,20000 (PROJECTOR_CACHE_VIEWS of the projectors: each value its own deployments),
 * --cpu-prof-dir=DIR (run the projectors under `node --cpu-prof` and print their top self-time
 * functions over the throughput phase).
 */
import 'reflect-metadata';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { randomUUID } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { repoRoot } from './repo-root';
import { Command } from 'commander';
import { Kafka, logLevel } from 'kafkajs';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig } from '@crm/config';
import { InteractionEvent, sampleEvent } from '@crm/contracts';
import { SqliteEventStore, appendByCustomer } from '@crm/event-store';
import { createServiceApp, hashApiKey, keyLine } from '@crm/infrastructure';

/** The publisher key of the latency phase (its rate limit is not what is measured). */
const benchKey = `crm_bench_${randomUUID()}`;
import { IngestModule } from '@crm/ingest-api';
import { QueryModule } from '@crm/query-api';
import { ReadStore, RedisReadStore } from '@crm/read-store';

const counts = (value: string) => value.split(',').map((v) => Number.parseInt(v, 10));
const options = new Command('bench:pipeline')
  .option('--events <n>', 'events for the throughput phase', (v) => Number.parseInt(v, 10), 50_000)
  .option('--customers <n>', 'distinct customers', (v) => Number.parseInt(v, 10), 5_000)
  .option('--latency-seconds <n>', 'duration of the latency phase (0: none)', (v) => Number.parseInt(v, 10), 10)
  .option('--projectors <list>', 'projector processes per deployment, one deployment each', counts, [1, 2])
  .option('--cache-views <list>', "customers' views each projector holds in memory (PROJECTOR_CACHE_VIEWS; several: one deployment each, 0 = load every batch's views)", counts, [20_000])
  .option('--cpu-prof-dir <dir>', 'profile the projectors (node --cpu-prof) and summarise the throughput phase')
  .parse()
  .opts<{ events: number; customers: number; latencySeconds: number; projectors: number[]; cacheViews: number[]; cpuProfDir?: string }>();
if (options.cacheViews.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--cache-views: non-negative integers, got ${options.cacheViews.join(',')}`);
if (options.projectors.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--projectors: positive integers, got ${options.projectors.join(',')}`);

// Compiled to <outDir>/bench/pipeline.bench.js: the services are in the same outDir.
const DIST = dirname(__dirname);
// The repository (infra scripts, the working directory of the services): above the build, or
// the working directory when the build lives elsewhere (a private outDir under /tmp).
const ROOT = (() => {
  try {
    return repoRoot(__dirname);
  } catch {
    return repoRoot(process.cwd());
  }
})();
/** The -r/--require arguments this process was started with (the @crm/* path registration of this build). */
const PRELOAD = (() => {
  const preload: string[] = [];
  process.execArgv.forEach((arg, i) => {
    if ((arg === '-r' || arg === '--require') && process.execArgv[i + 1] !== undefined) preload.push('-r', resolve(process.execArgv[i + 1]));
    else if (arg.startsWith('--require=')) preload.push('-r', resolve(arg.slice('--require='.length)));
  });
  return preload.length > 0 ? preload : ['-r', join(ROOT, 'tools/register-paths.js')];
})();
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

/**
 * Nest answers SIGTERM by closing and then re-raising the signal, and a process killed by a
 * signal writes no --cpu-prof profile: a profiled service is ended by SIGUSR2 → process.exit.
 */
const EXIT_ON_SIGUSR2 = 'data:text/javascript,process.once("SIGUSR2",()=>process.exit(0))';

/** One of the platform's services from the build, as its own process (like a container). */
function startService(app: 'relay' | 'projector', env: Record<string, string>, cpuProfDir?: string): Service {
  const profile = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--import=${EXIT_ON_SIGUSR2}`];
  const child = spawn(process.execPath, [...profile, ...PRELOAD, join(DIST, `apps/${app}/src/main.js`)], {
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
      if (child.exitCode === null && child.signalCode === null) child.kill(cpuProfDir === undefined ? 'SIGTERM' : 'SIGUSR2');
      await exited;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** CLOCK_MONOTONIC in µs: the clock of V8's profile timestamps, so the phase can be cut out of a profile. */
const monotonicMicros = () => Number(process.hrtime.bigint() / 1000n);

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();
/**
 * CPU seconds (user + system) the processes used so far, from /proc (Linux): what a projector
 * costs per event whatever else the shared machine runs. Undefined where /proc is not there.
 */
function cpuSeconds(pids: number[]): number | undefined {
  try {
    return pids.reduce((sum, pid) => {
      // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
      return sum + (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    }, 0);
  } catch {
    return undefined;
  }
}

/** Until the group has `members` members, each with its partitions: a rebalance is not throughput. */
async function waitForStableGroup(groupId: string, members: number): Promise<void> {
  const admin = new Kafka({ brokers: brokers.split(','), clientId: 'bench-pipeline', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const deadline = performance.now() + 60_000;
    for (;;) {
      const [group] = (await admin.describeGroups([groupId])).groups;
      if (group?.state === 'Stable' && group.members.length === members) return;
      if (performance.now() > deadline) throw new Error(`group ${groupId}: ${group?.members.length ?? 0} of ${members} members, state ${group?.state}`);
      await sleep(50);
    }
  } finally {
    await admin.disconnect();
  }
}

interface DeploymentResult {
  projectors: number;
  cacheViews: number;
  sustained: number;
  /** CPU time of the projector processes per event folded during the throughput phase (µs). */
  cpuMicrosPerEvent?: number;
  latency?: { target: number; achieved: number; p50: number; p99: number; samples: number };
  profiles: { pid: number; window: [number, number] }[];
}

/** One deployment (its own topics, group, Redis prefix and store): backlog throughput, then latency at half of it. */
async function runDeployment(projectors: number, cacheViews: number, backlog: InteractionEvent[]): Promise<DeploymentResult> {
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
    PROJECTOR_CACHE_VIEWS: String(cacheViews),
    STORE_POLL_MS: '10',
    LOG_LEVEL: 'warn',
    PORT: '0',
    SEGMENTATION_INTERVAL_SEC: '0',
    API_KEYS: keyLine('bench', ['publish', 'read'], hashApiKey(benchKey), '999999999/s'),
  };
  const config = loadConfig(env);
  let app: NestExpressApplication | null = null;
  const children: Service[] = [];
  const views: ReadStore = await RedisReadStore.connect({ url: redisUrl, keyPrefix: env.REDIS_KEY_PREFIX });
  try {
    // Phase 1: a backlog of N events in the store, then time relay → Kafka → projector(s) → Redis.
    const store = SqliteEventStore.open({ dataDir: dir.path });
    for (let i = 0; i < backlog.length; i += 1000) await appendByCustomer(store, backlog.slice(i, i + 1000));
    await store.close();

    const group = Array.from({ length: projectors }, () => startService('projector', env, options.cpuProfDir));
    children.push(...group);
    const ports = await Promise.all(group.map((p) => p.port));
    await waitForStableGroup(env.PROJECTOR_GROUP_ID, projectors);
    const relay = startService('relay', env);
    children.push(relay);
    await relay.port;
    const appliedBy = async (port: number) => {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      const body = (await res.json()) as { checks: { projector?: { applied?: number } } };
      return body.checks.projector?.applied ?? 0;
    };
    const applied = async () => (await Promise.all(ports.map(appliedBy))).reduce((a, b) => a + b, 0);
    // The clock starts at the first folded batch: app start-up and the group join are not throughput.
    let first = 0;
    while ((first = await applied()) === 0) await sleep(2);
    const pids = group.map((p) => p.process.pid!);
    const started = performance.now();
    const windowStart = monotonicMicros();
    const cpuStart = cpuSeconds(pids);
    while ((await applied()) < backlog.length) await sleep(5);
    const seconds = (performance.now() - started) / 1000;
    const cpuEnd = cpuSeconds(pids);
    const window: [number, number] = [windowStart, monotonicMicros()];
    const sustained = (backlog.length - first) / seconds;
    const cpuMicrosPerEvent = cpuStart === undefined || cpuEnd === undefined ? undefined : ((cpuEnd - cpuStart) * 1e6) / (backlog.length - first);
    const profiles = options.cpuProfDir === undefined ? [] : pids.map((pid) => ({ pid, window }));
    if (options.latencySeconds <= 0) return { projectors, cacheViews, sustained, cpuMicrosPerEvent, profiles };

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
    let i = backlog.length;
    while (performance.now() < phaseEnd) {
      const tick = performance.now();
      // One sampled customer per tick (fresh id), the rest background load on existing customers.
      const sample = event(i++, options.customers, `L-${randomUUID()}`);
      const batch = [sample, ...Array.from({ length: perTick - 1 }, () => event(i++, options.customers))];
      pending.push(
        (async () => {
          const t0 = performance.now();
          const res = await fetch(`${base}/v1/events/batch`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${benchKey}` }, body: JSON.stringify({ events: batch }) });
          if (res.status !== 202) throw new Error(`publish answered ${res.status}`);
          while (!(await views.getView(sample.customerId))) await sleep(2);
          latencies.push(performance.now() - t0);
        })(),
      );
      const wait = batchEvery - (performance.now() - tick);
      if (wait > 0) await sleep(wait);
    }
    await Promise.all(pending);
    latencies.sort((a, b) => a - b);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
    const achieved = (i - backlog.length) / options.latencySeconds;
    return { projectors, cacheViews, sustained, cpuMicrosPerEvent, profiles, latency: { target: rate, achieved, p50: pct(50), p99: pct(99), samples: latencies.length } };
  } finally {
    await app?.close();
    await Promise.all(children.map((c) => c.stop()));
    await views.clear();
    await views.close();
    rmSync(dir.path, { recursive: true, force: true });
  }
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self time per function within the window (µs, CLOCK_MONOTONIC), from the profile node --cpu-prof wrote for `pid`. */
function summariseProfile(dir: string, pid: number, [from, to]: [number, number], top = 10): void {
  const file = readdirSync(dir).find((name) => name.includes(`.${pid}.`) && name.endsWith('.cpuprofile'));
  if (file === undefined) {
    console.log(`no profile of process ${pid} in ${dir}`);
    return;
  }
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  let at = profile.startTime;
  let total = 0;
  profile.samples.forEach((nodeId, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < from || at > to) return;
    const frame = frames.get(nodeId)!;
    const where = frame.url === '' ? '' : ` ${frame.url.replace(/^file:\/\//, '').replace(`${DIST}/`, '').replace(`${ROOT}/`, '')}:${frame.lineNumber + 1}`;
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    self.set(name, (self.get(name) ?? 0) + delta);
    total += delta;
  });
  const idle = self.get('(idle)') ?? 0;
  console.log(`\nProjector ${pid}: ${(total / 1000).toFixed(0)} ms of the throughput phase profiled, ${((100 * (total - idle)) / Math.max(1, total)).toFixed(0)} % busy (${join(dir, file)})`);
  console.table(
    [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, micros]) => ({ 'self time (ms)': Math.round(micros / 1000), '%': ((100 * micros) / Math.max(1, total)).toFixed(1), function: fn })),
  );
}

async function main() {
  if (options.cpuProfDir !== undefined) mkdirSync(options.cpuProfDir, { recursive: true });
  const backlog = Array.from({ length: options.events }, (_, i) => event(i, options.customers));
  const messageBytes = Buffer.byteLength(JSON.stringify({ ...backlog[0], revision: 0, position: 1, recordedAt: new Date().toISOString() }));
  const results: DeploymentResult[] = [];
  for (const cacheViews of options.cacheViews) {
    for (const projectors of options.projectors) {
      const result = await runDeployment(projectors, cacheViews, backlog);
      results.push(result);
      const cpu = result.cpuMicrosPerEvent === undefined ? '' : `, ${result.cpuMicrosPerEvent.toFixed(0)} µs of projector CPU per event`;
      console.log(`${projectors} projector(s), ${cacheViews} views held: ${Math.round(result.sustained)} events/s${cpu}${result.latency ? `, p99 ${result.latency.p99.toFixed(1)} ms` : ''}`);
    }
  }

  // Phase 3: the broker's own limit, same record count and size, same machine, same run.
  const perf = JSON.parse(
    execFileSync('bash', [join(ROOT, 'infra/kafka/perf.sh'), '--json', String(options.events), String(messageBytes)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')
      .pop()!,
  ) as { producer: { recordsPerSec: number }; consumer: { recordsPerSec: number } };

  const round = (n: number) => Math.round(n).toLocaleString('en-US');
  const producer = perf.producer.recordsPerSec;
  console.log(`\nPipeline benchmark: ${options.events.toLocaleString('en-US')} events, ${options.customers.toLocaleString('en-US')} customers, ~${messageBytes} B per message, 6 partitions, relay and projectors in their own processes\n`);
  console.table([
    ...results.flatMap(({ projectors, cacheViews, sustained, cpuMicrosPerEvent, latency }) => {
      const label = `${projectors} projector${projectors === 1 ? '' : 's'}${options.cacheViews.length > 1 ? ` (${cacheViews.toLocaleString('en-US')} views held)` : ''}`;
      return [
        { measure: `relay → Kafka → ${label} → Redis (events/s)`, value: round(sustained), aim: '≥ 30,000', verdict: `${sustained >= 30_000 ? 'PASS' : 'BELOW'}, ratio to producer limit ${(sustained / producer).toFixed(3)}` },
        ...(cpuMicrosPerEvent === undefined ? [] : [{ measure: `  ${label}: projector CPU per event (µs, user + system)`, value: cpuMicrosPerEvent.toFixed(0), aim: '', verdict: '' }]),
        ...(latency === undefined
          ? []
          : [
              { measure: `  ${label}: HTTP publish rate in latency phase (events/s, target ${round(latency.target)})`, value: round(latency.achieved), aim: '½ sustained', verdict: '' },
              { measure: `  ${label}: end-to-end latency p50 (ms)`, value: latency.p50.toFixed(1), aim: '', verdict: '' },
              { measure: `  ${label}: end-to-end latency p99 (ms)`, value: latency.p99.toFixed(1), aim: '≤ 250', verdict: latency.p99 <= 250 ? 'PASS' : 'BELOW' },
              { measure: `  ${label}: latency samples`, value: String(latency.samples), aim: '', verdict: '' },
            ]),
      ];
    }),
    { measure: 'broker alone: producer, acks=all (records/s)', value: round(producer), aim: 'limit', verdict: '' },
    { measure: 'broker alone: consumer (records/s)', value: round(perf.consumer.recordsPerSec), aim: 'limit', verdict: '' },
  ]);
  if (options.cpuProfDir !== undefined) {
    for (const result of results) for (const { pid, window } of result.profiles) summariseProfile(options.cpuProfDir, pid, window);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
