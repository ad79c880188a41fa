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
 * Options: --sizes=100000,1000000, --cpu-prof-dir=DIR (run each rebuild under `node --cpu-prof`,
 * the profiles written there).
 */
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo-root';
import { InteractionEvent } from '@crm/contracts';
import { DEFAULT_POLICY } from '@crm/domain';
import { SqliteEventStore, appendByCustomer } from '@crm/event-store';
import { generateHistory } from '@crm/simulation';

const sizes = (process.argv.find((a) => a.startsWith('--sizes='))?.split('=')[1] ?? '100000,1000000').split(',').map(Number);
const cpuProfDir = process.argv.find((a) => a.startsWith('--cpu-prof-dir='))?.split('=')[1];
const ROOT = repoRoot();

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
      const match = /from (\d+) events in ([\d.]+) s \((\d+) events\/s; views ([\d.]+) s, measures ([\d.]+) s\).*peak RSS (\d+) MiB/.exec(output);
      if (!match) throw new Error(`unexpected rebuild output:\n${output}`);
      rows.push({
        events: events.toLocaleString('en-US'),
        seconds: match[2],
        'views, measures (s)': `${match[4]}, ${match[5]}`,
        'events/s': Number(match[3]).toLocaleString('en-US'),
        'raw scan + parse (events/s)': Math.round(limit).toLocaleString('en-US'),
        'ratio (aim ≥ 0.6)': (Number(match[3]) / limit).toFixed(3),
        'peak RSS (MiB)': Number(match[6]),
        'what-if / rebuild, whole commands (aim ≤ 1.5)': `${(whatIfWall / 1000).toFixed(1)} / ${(rebuildWall / 1000).toFixed(1)} s = ${(whatIfWall / rebuildWall).toFixed(2)}`,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
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
