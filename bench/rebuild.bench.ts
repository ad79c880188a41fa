/**
 * npm run bench:rebuild — `npm run rebuild` streams history: its peak memory must stay flat as
 * history grows, and its time grow no faster than the history. Fills an embedded store with the
 * simulator's history (100k and 1M events by default), runs the real rebuild command on it in a
 * child process, and prints events/s and the peak RSS the rebuild reported for each size, beside
 * the limit measured on the same file in the same run: a raw better-sqlite3 scan of the events
 * table with JSON.parse of every payload (no rebuild can read the history faster).
 *
 * Then times `npm run what-if` of a candidate policy on the same store against the rebuild (both
 * whole commands, start-up included).
 *
 * Then starts the platform on the same store and reads customers' views under a steady load
 * (GET /v1/customers/:id, 8 in flight), first idle, then during a blue-green rebuild started over
 * the admin API: every read must answer 200 and the p99 stay within 2× the idle p99.
 *
 * Options: --sizes=100000,1000000, --cpu-prof-dir=DIR (run each rebuild under `node --cpu-prof`,
 * the profiles written there), --idle-seconds=10.
 */
import Database from 'better-sqlite3';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { AddressInfo, createServer } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo-root';
import { InteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY } from '@crm/domain';
import { SqliteEventStore, appendByCustomer } from '@crm/event-store';
import { hashApiKey, keyLine } from '@crm/infrastructure';
import { generateHistory } from '@crm/simulation';

/** The key of the reads and the admin calls, with a rate limit the read load does not reach. */
const BENCH_KEY = `crm_bench_${randomUUID()}`;
const BENCH_KEYS = keyLine('bench', ['read', 'admin'], hashApiKey(BENCH_KEY), '999999999/s');
const AUTH = { authorization: `Bearer ${BENCH_KEY}` };

const sizes = (process.argv.find((a) => a.startsWith('--sizes='))?.split('=')[1] ?? '100000,1000000').split(',').map(Number);
const cpuProfDir = process.argv.find((a) => a.startsWith('--cpu-prof-dir='))?.split('=')[1];
const idleSeconds = Number(process.argv.find((a) => a.startsWith('--idle-seconds='))?.split('=')[1] ?? 10);
const ROOT = repoRoot();

/** Reads views with `concurrency` requests in flight until `until` resolves: statuses and latencies (ms). */
async function readLoad(base: string, ids: readonly string[], until: Promise<unknown>, concurrency = 8) {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let done = false;
  void until.finally(() => (done = true));
  let seed = 1;
  const worker = async () => {
    while (!done) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const id = ids[seed % ids.length];
      const started = performance.now();
      const status = await fetch(`${base}/v1/customers/${id}`, { headers: AUTH }).then(
        async (r) => (await r.arrayBuffer(), r.status),
        () => 0,
      );
      latencies.push(performance.now() - started);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { reads: latencies.length, ok: statuses.get(200) ?? 0, statuses: Object.fromEntries(statuses), p50: at(0.5), p99: at(0.99) };
}

/** Every customer id of the store (the reads ask for customers that exist). */
function customerIds(dir: string): string[] {
  const db = new Database(join(dir, 'events.sqlite'), { readonly: true });
  try {
    return (db.prepare("SELECT DISTINCT stream_id FROM events WHERE stream_id LIKE 'customer-%'").pluck().all() as string[]).map((s) => s.slice('customer-'.length));
  } finally {
    db.close();
  }
}

/** A port nothing listens on now (the OS picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** The platform on `dir` in a child process, on a free port; resolves once it listens (and is still the one listening). */
async function startPlatform(dir: string) {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', join(ROOT, 'tools/register-paths.js'), join(ROOT, 'dist/apps/platform/src/main.js')], {
    env: { ...process.env, API_KEYS: BENCH_KEYS, DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', SEGMENTATION_INTERVAL_SEC: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`the platform exited:\n${output}`);
    const ready = await fetch(`${base}/health/live`).then((r) => r.ok, () => false);
    // Ready, and answered by this child (not by something that held the port already).
    if (ready && child.exitCode === null && output.includes(String(port))) break;
    if (i > 1200) throw new Error(`the platform did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { base, output: () => output.slice(-4000), stop: () => new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))) };
}

async function fill(dataDir: string, size: number): Promise<number> {
  const store = SqliteEventStore.open({ dataDir });
  const customers = Math.ceil(size / 12);
  let written = 0;
  let chunk: InteractionEvent[] = [];
  const flush = async () => {
    await appendByCustomer(store, chunk);
    written += chunk.length;
    chunk = [];
  };
  for (const event of generateHistory({ customers, days: 365, seed: 7 })) {
    chunk.push(event);
    if (chunk.length >= 5000) await flush();
    if (written + chunk.length >= size) break;
  }
  await flush();
  await store.close();
  return written;
}

/** The limit: every row of the store's file read and its payloads parsed, events/s (best of 2). */
function rawScanRate(dataDir: string): number {
  const db = new Database(join(dataDir, 'events.sqlite'), { readonly: true });
  try {
    const scan = db.prepare('SELECT position, stream_id, revision, event_id, type, data, metadata, recorded_at FROM events').raw(true);
    let best = 0;
    for (let round = 0; round < 2; round++) {
      const started = performance.now();
      let n = 0;
      for (const row of scan.iterate() as IterableIterator<unknown[]>) {
        JSON.parse(row[5] as string);
        JSON.parse(row[6] as string);
        n++;
      }
      best = Math.max(best, n / ((performance.now() - started) / 1000));
    }
    return best;
  } finally {
    db.close();
  }
}

async function main() {
  const rows: {
    events: string;
    seconds: string;
    'views, measures (s)': string;
    'events/s': string;
    'raw scan + parse (events/s)': string;
    'ratio (aim ≥ 0.6)': string;
    'peak RSS (MiB)': number;
    'what-if / rebuild, whole commands (aim ≤ 1.5)': string;
  }[] = [];
  const serving: Record<string, string | number>[] = [];
  for (const size of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'crm-bench-rebuild-'));
    try {
      const events = await fill(dir, size);
      const limit = rawScanRate(dir);
      const profile = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`];
      let t0 = performance.now();
      const output = execFileSync(process.execPath, [...profile, '-r', join(ROOT, 'tools/register-paths.js'), join(ROOT, 'dist/apps/platform/src/rebuild.js'), '--no-progress'], {
        env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
      });
      const rebuildWall = performance.now() - t0;
      // What-if of a candidate policy (inactivity after 120 days) over the same store, beside the rebuilt views.
      const candidate = join(dir, 'candidate-policy.json');
      const { lifecycle } = DEFAULT_POLICY;
      writeFileSync(candidate, JSON.stringify({ ...DEFAULT_POLICY, policyVersion: 'bench-candidate', lifecycle: { ...lifecycle, dissolution: { ...lifecycle.dissolution, inactivityDays: 120 } } }));
      t0 = performance.now();
      execFileSync(process.execPath, ['-r', join(ROOT, 'tools/register-paths.js'), join(ROOT, 'dist/apps/platform/src/what-if.js'), '--policy', candidate, '--no-progress', '--json'], {
        env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
        maxBuffer: 64 * 1024 * 1024,
      });
      const whatIfWall = performance.now() - t0;
      const match = /from (\d+) events in ([\d.]+) s \(views ([\d.]+) s, measures ([\d.]+) s.*peak RSS of this process (\d+) MiB/.exec(output);
      if (!match) throw new Error(`unexpected rebuild output:\n${output}`);
      const rate = Number(match[1]) / Number(match[2]);
      rows.push({
        events: events.toLocaleString('en-US'),
        seconds: match[2],
        'views, measures (s)': `${match[3]}, ${match[4]}`,
        'events/s': Math.round(rate).toLocaleString('en-US'),
        'raw scan + parse (events/s)': Math.round(limit).toLocaleString('en-US'),
        'ratio (aim ≥ 0.6)': (rate / limit).toFixed(3),
        'peak RSS (MiB)': Number(match[5]),
        'what-if / rebuild, whole commands (aim ≤ 1.5)': `${(whatIfWall / 1000).toFixed(1)} / ${(rebuildWall / 1000).toFixed(1)} s = ${(whatIfWall / rebuildWall).toFixed(2)}`,
      });
      // Reads while the platform rebuilds itself (blue-green, over the admin API), against idle reads.
      const platform = await startPlatform(dir);
      try {
        const ids = customerIds(dir);
        const idle = await readLoad(platform.base, ids, new Promise((resolve) => setTimeout(resolve, idleSeconds * 1000)));
        t0 = performance.now();
        const started = await fetch(`${platform.base}/v1/admin/rebuilds`, { method: 'POST', headers: { 'content-type': 'application/json', ...AUTH }, body: '{}' });
        if (started.status !== 202) throw new Error(`POST /v1/admin/rebuilds answered ${started.status}: ${await started.text()}`);
        const location = `${platform.base}${started.headers.get('location')}`;
        const finished = (async () => {
          for (let failures = 0; ; ) {
            await new Promise((resolve) => setTimeout(resolve, 500));
            const response = await fetch(location, { headers: AUTH }).catch((error: Error) => {
              if (++failures > 5) throw new Error(`polling ${location}: ${error.message}\n${platform.output()}`);
              return null;
            });
            if (!response) continue;
            const status = (await response.json()) as { phase: string; error: string | null; seconds: Record<string, number>; servingEventLoopDelayMs?: { p99: number; max: number } };
            if (status.phase === 'done') return status;
            if (status.phase === 'failed' || status.phase === 'cancelled') throw new Error(`the rebuild ended ${status.phase}: ${status.error}`);
          }
        })();
        const during = await readLoad(platform.base, ids, finished);
        const final = await finished;
        const phases = final.seconds;
        const seconds = (performance.now() - t0) / 1000;
        // The build (views to the population pass), without the settle wait (two polls of the control document, 3 s).
        const build = ['views', 'measures', 'catch-up', 'population'].reduce((sum, phase) => sum + (phases[phase] ?? 0), 0);
        serving.push({
          events: events.toLocaleString('en-US'),
          'idle reads p50 / p99 (ms)': `${idle.p50.toFixed(1)} / ${idle.p99.toFixed(1)}`,
          'reads during rebuild p50 / p99 (ms)': `${during.p50.toFixed(1)} / ${during.p99.toFixed(1)}`,
          'p99 ratio (aim ≤ 2)': (during.p99 / idle.p99).toFixed(2),
          'reads during rebuild': during.reads,
          '200 share (aim 100 %)': `${((100 * during.ok) / Math.max(1, during.reads)).toFixed(2)} %`,
          'rebuild while serving, build / whole (s)': `${build.toFixed(1)} / ${seconds.toFixed(1)}`,
          'build events/s, ratio to raw scan (aim ≥ 0.6)': `${Math.round(events / build).toLocaleString('en-US')}, ${(events / build / limit).toFixed(3)}`,
          'serving loop delay p99 / max (ms)': final.servingEventLoopDelayMs ? `${final.servingEventLoopDelayMs.p99} / ${final.servingEventLoopDelayMs.max}` : '-',
          ...(during.ok < during.reads ? { 'other statuses': JSON.stringify(during.statuses) } : {}),
        });
      } finally {
        await platform.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log('\nReads of GET /v1/customers/:id (8 in flight) on the running platform, idle and during its own blue-green rebuild\n');
  console.table(serving);
  console.log('\nRebuild benchmark: the simulator history in an embedded store, replayed by `npm run rebuild`\n');
  console.table(rows);
  if (rows.length >= 2) {
    const [first, last] = [rows[0], rows[rows.length - 1]];
    const size = (r: (typeof rows)[number]) => Number(r.events.replace(/,/g, ''));
    const growth = size(last) / size(first);
    const cost = Number(last.seconds) / Number(first.seconds);
    console.log(`${growth.toFixed(1)}× the events cost ${cost.toFixed(1)}× the time (aim ≤ ${(growth * 1.05).toFixed(1)}×): ${cost <= growth * 1.05 ? 'PASS' : 'BELOW'}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
