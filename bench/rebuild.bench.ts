/**
 * npm run bench:rebuild — `npm run rebuild` streams history: its peak memory must stay flat as
 * history grows. Fills an embedded store with the simulator's history (100k and 1M events by
 * default), runs the real rebuild command on it in a child process, and prints events/s and the
 * peak RSS the rebuild reported for each size.
 *
 * Options: --sizes=100000,1000000
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './repo-root';
import { InteractionEvent } from '@crm/contracts';
import { SqliteEventStore, appendByCustomer } from '@crm/event-store';
import { generateHistory } from '@crm/simulation';

const sizes = (process.argv.find((a) => a.startsWith('--sizes='))?.split('=')[1] ?? '100000,1000000').split(',').map(Number);
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

async function main() {
  const rows = [];
  for (const size of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'crm-bench-rebuild-'));
    try {
      const events = await fill(dir, size);
      const output = execFileSync(process.execPath, ['-r', join(ROOT, 'tools/register-paths.js'), join(ROOT, 'dist/apps/platform/src/rebuild.js'), '--no-progress'], {
        env: { ...process.env, DATA_DIR: dir, LOG_LEVEL: 'warn' },
        encoding: 'utf8',
      });
      const match = /from (\d+) events in ([\d.]+) s \((\d+) events\/s\).*peak RSS (\d+) MiB/.exec(output);
      if (!match) throw new Error(`unexpected rebuild output:\n${output}`);
      rows.push({ events: events.toLocaleString('en-US'), seconds: match[2], 'events/s': Number(match[3]).toLocaleString('en-US'), 'peak RSS (MiB)': Number(match[4]) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log('\nRebuild benchmark: the simulator history in an embedded store, replayed by `npm run rebuild`\n');
  console.table(rows);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
