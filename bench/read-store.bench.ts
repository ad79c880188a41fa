/**
 * Read-store benchmark: the embedded SQLite store against the Redis store (views committed in
 * batches of 500 with a checkpoint, single and batched reads), next to Redis's own limit measured
 * in the same run: the same stored strings written with plain pipelined SETs (no script, no index
 * moves) and, when installed, `redis-benchmark -q -t set -n 100000 -P 16`.
 *
 *   node -r @swc-node/register -r tsconfig-paths/register bench/read-store.bench.ts --views=50000
 *
 * Size: --views=N or READ_STORE_BENCH_VIEWS=N (default 50,000); --rounds=N or
 * READ_STORE_BENCH_ROUNDS=N (default 2, each row reports its best round). Redis: REDIS_URL (default
 * redis://127.0.0.1:6379); the bench writes under its own random prefix and clears only that.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { ReadStore, RedisReadStore, SqliteReadStore, type ViewRecord } from '@crm/read-store';

const BATCH = 500;
/** getView calls in flight at once for the concurrent read row (what an HTTP API under load does). */
const CONCURRENCY = 64;
const STAGES = ['awareness', 'exploration', 'expansion', 'commitment', 'dissolution'] as const;

interface Row {
  measurement: string;
  sqlite?: number;
  redis?: number;
  redisRaw?: number;
}

/** Field-wise maximum of nested objects of numbers. */
function best<T>(runs: T[]): T {
  return runs.reduce((a, b) => {
    const merged: Record<string, unknown> = {};
    for (const key of Object.keys(a as object)) {
      const x = (a as Record<string, unknown>)[key];
      const y = (b as Record<string, unknown>)[key];
      merged[key] = typeof x === 'number' ? Math.max(x, y as number) : best([x, y]);
    }
    return merged as T;
  });
}

function parseRounds(): number {
  const arg = process.argv.find((a) => a.startsWith('--rounds='));
  const rounds = Number(arg?.slice('--rounds='.length) ?? process.env.READ_STORE_BENCH_ROUNDS ?? '2');
  if (!Number.isSafeInteger(rounds) || rounds < 1) throw new Error(`rounds must be a positive integer, got ${rounds}`);
  return rounds;
}

function parseSize(): number {
  const arg = process.argv.find((a) => a.startsWith('--views='));
  const raw = arg?.slice('--views='.length) ?? process.env.READ_STORE_BENCH_VIEWS ?? '50000';
  const size = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(size) || size < BATCH) throw new Error(`views must be an integer >= ${BATCH}, got ${raw}`);
  return Math.floor(size / BATCH) * BATCH;
}

const customerId = (i: number) => `C-${String(i).padStart(7, '0')}`;

/** A view about the size of a real customer view (~1 KB of JSON), with three indexes. */
function makeView(i: number, position: number): ViewRecord {
  const stage = STAGES[(i + position) % STAGES.length];
  return {
    customerId: customerId(i),
    position,
    indexes: { lifecycleStage: stage, trustStage: i % 3 === 0 ? 'knowledge' : 'calculus', loyalty: i % 4 === 0 ? 'true' : 'false' },
    view: {
      customerId: customerId(i),
      policyVersion: '2026-03',
      firstSeenAt: '2025-11-02T09:14:00Z',
      lastEventAt: '2026-03-14T10:22:05Z',
      position,
      eventCount: 10 + (position % 90),
      historicalValue: 1000 * (i % 400),
      lifecycle: { stage, since: '2026-02-01T00:00:00Z', winBacks: 0, transitions: [{ from: 'awareness', to: stage, at: '2026-02-01T00:00:00Z' }] },
      trust: { stage: 'knowledge', competence: 0.71, benevolence: 0.64, integrity: 0.8, since: '2026-01-10T00:00:00Z' },
      loyalty: { attitudinal: 0.62, behavioural: 0.55, repeatChoices: 4, purchasesAfterComplaint: 1 },
      categories: { books: 3, games: 1, music: 2 },
      recentRatings: [0.8, 0.6, 1, 0.8, 0.4, 0.8],
      pendingFollowUps: [`F-${i}`],
    },
  };
}

async function time(fn: () => Promise<number>): Promise<number> {
  const start = process.hrtime.bigint();
  const count = await fn();
  return count / (Number(process.hrtime.bigint() - start) / 1e9);
}

/** Commits `size` new views, then the same customers again at higher positions (index moves). */
async function commitRates(store: ReadStore, size: number): Promise<{ insert: number; update: number }> {
  const pass = async (offset: number) =>
    time(async () => {
      for (let b = 0; b < size; b += BATCH) {
        const views = Array.from({ length: BATCH }, (_, k) => makeView(b + k, offset + b + k));
        await store.commit({ views, checkpoint: { name: 'bench', position: offset + b + BATCH - 1 } });
      }
      return size;
    });
  return { insert: await pass(0), update: await pass(size) };
}

async function readRates(store: ReadStore, size: number): Promise<{ sequential: number; concurrent: number; batched: number }> {
  const reads = Math.min(size, 20_000);
  const sequential = await time(async () => {
    for (let n = 0; n < reads; n++) await store.getView(customerId((n * 7919) % size));
    return reads;
  });
  const concurrent = await time(async () => {
    let next = 0;
    const worker = async () => {
      while (next < reads) await store.getView(customerId((next++ * 7919) % size));
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return reads;
  });
  const batched = await time(async () => {
    for (let b = 0; b < size; b += 100) await store.getViews(Array.from({ length: 100 }, (_, k) => customerId(b + k)));
    return size;
  });
  return { sequential, concurrent, batched };
}

/** The same stored strings as plain pipelined SETs in batches of 500, then GET / MGET: Redis's own limit. */
async function redisRaw(url: string, prefix: string, size: number): Promise<{ write: number; sequential: number; concurrent: number; batched: number }> {
  const redis = new Redis(url);
  const key = (i: number) => `${prefix}raw:${customerId(i)}`;
  try {
    const write = await time(async () => {
      for (let b = 0; b < size; b += BATCH) {
        const pipeline = redis.pipeline();
        for (let k = 0; k < BATCH; k++) {
          const v = makeView(b + k, b + k);
          // Serialising is part of any store's work, so it stays in the baseline.
          pipeline.set(key(b + k), `${v.position}\n${JSON.stringify(v.indexes)}\n${JSON.stringify(v.view)}`);
        }
        await pipeline.exec();
      }
      return size;
    });
    const reads = Math.min(size, 20_000);
    // The store parses the indexes and the view; so does the baseline.
    const parse = (value: string | null) => {
      const lines = (value as string).split('\n');
      return [JSON.parse(lines[1]) as unknown, JSON.parse(lines[2]) as unknown];
    };
    const sequential = await time(async () => {
      for (let n = 0; n < reads; n++) parse(await redis.get(key((n * 7919) % size)));
      return reads;
    });
    const concurrent = await time(async () => {
      let next = 0;
      const worker = async () => {
        while (next < reads) parse(await redis.get(key((next++ * 7919) % size)));
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return reads;
    });
    const batched = await time(async () => {
      for (let b = 0; b < size; b += 100) {
        for (const value of await redis.mget(Array.from({ length: 100 }, (_, k) => key(b + k)))) parse(value);
      }
      return size;
    });
    return { write, sequential, concurrent, batched };
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}raw:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    await redis.quit();
  }
}

/** `redis-benchmark` SET with pipelining 16, if the tool is installed: the server's ceiling. */
function redisBenchmarkSet(url: string): number | undefined {
  const { hostname, port } = new URL(url);
  const run = spawnSync('redis-benchmark', ['-h', hostname, '-p', port || '6379', '-q', '-t', 'set', '-n', '100000', '-P', '16'], { encoding: 'utf8' });
  if (run.status !== 0) return undefined;
  // Output like "SET: 512820.53 requests per second, p50=1.215 msec"; the last \r-separated part is final.
  const match = /SET: ([\d.]+) requests per second/.exec(run.stdout.split('\r').pop() ?? '');
  return match ? Number(match[1]) : undefined;
}

const fmt = (n: number | undefined): string => (n === undefined ? '' : Math.round(n).toLocaleString('en-US'));

async function main(): Promise<void> {
  const size = parseSize();
  const rounds = parseRounds();
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `crm-bench:${randomUUID()}:`;
  const dir = mkdtempSync(join(tmpdir(), 'crm-read-store-bench-'));
  const viewBytes = JSON.stringify(makeView(1, 1).view).length;
  console.log(`Read-store bench: ${fmt(size)} views (~${viewBytes} B JSON, 3 indexes), commits of ${BATCH} + checkpoint, best of ${rounds} rounds, node ${process.version}`);
  console.log(`SQLite in ${dir} (WAL, synchronous=FULL); Redis ${url}, prefix ${prefix}`);

  const sqlite = SqliteReadStore.open({ dataDir: dir });
  const redis = await RedisReadStore.connect({ url, keyPrefix: prefix });
  try {
    // Best of `rounds`: the machine may be shared, and the best run is the least disturbed one.
    const runs = [];
    for (let round = 0; round < rounds; round++) {
      await sqlite.clear();
      await redis.clear();
      runs.push({
        sqliteCommit: await commitRates(sqlite, size),
        sqliteRead: await readRates(sqlite, size),
        redisCommit: await commitRates(redis, size),
        redisRead: await readRates(redis, size),
        raw: await redisRaw(url, prefix, size),
      });
    }
    const { sqliteCommit, sqliteRead, redisCommit, redisRead, raw } = best(runs);
    const serverSet = redisBenchmarkSet(url);

    const rows: Row[] = [
      { measurement: `commit, new views, batches of ${BATCH} (views/s)`, sqlite: sqliteCommit.insert, redis: redisCommit.insert, redisRaw: raw.write },
      { measurement: `commit, updates with index moves, batches of ${BATCH} (views/s)`, sqlite: sqliteCommit.update, redis: redisCommit.update, redisRaw: raw.write },
      { measurement: 'getView, one at a time (views/s)', sqlite: sqliteRead.sequential, redis: redisRead.sequential, redisRaw: raw.sequential },
      { measurement: `getView, ${CONCURRENCY} in flight (views/s)`, sqlite: sqliteRead.concurrent, redis: redisRead.concurrent, redisRaw: raw.concurrent },
      { measurement: 'getViews, 100 ids per call (views/s)', sqlite: sqliteRead.batched, redis: redisRead.batched, redisRaw: raw.batched },
    ];
    console.log('\n| measurement | SQLite store | Redis store | Redis raw (pipelined SET, GET, MGET of the same strings) |');
    console.log('|---|---:|---:|---:|');
    for (const r of rows) console.log(`| ${r.measurement} | ${fmt(r.sqlite)} | ${fmt(r.redis)} | ${fmt(r.redisRaw)} |`);
    console.log(
      serverSet === undefined
        ? '\nredis-benchmark not available: server SET ceiling not measured.'
        : `\nredis-benchmark -t set -n 100000 -P 16 (100-byte values): ${fmt(serverSet)} SET/s.`,
    );
    console.log(
      `Redis store commit at ${((100 * redisCommit.insert) / raw.write).toFixed(0)}% (new) and ` +
        `${((100 * redisCommit.update) / raw.write).toFixed(0)}% (updates) of raw pipelined SET.`,
    );
  } finally {
    await redis.clear();
    await redis.close();
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
